package ai.superclip.data;

import ai.superclip.runtime.LocalFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/** Fuzzing of {@link CsvDataset}: nothing but {@link DataException} may escape, and nothing hangs. */
class CsvFuzzTest {

    private static final Path DIR = FuzzSupport.tempDir("csv-fuzz");
    private static final List<String> TOKENS = List.of("filepath", "title", ",", ",", "\"", "\"\"", "\n", "\r\n", "\r",
            "\t", "\uFEFF", "a.png", "b.png", "missing.png", "../a.png", " ", "caption", "é", "\u0000", "\uD83D\uDE00");
    private static final byte[] VALID = ("\uFEFFfilepath,title\r\na.png,\"a red, square\"\r\nb.png,\"two\nlines\"\r\n"
            + "a.png,plain\n").getBytes(StandardCharsets.UTF_8);
    private static final byte[] INTERESTING = ",\"\n\r\t\0".getBytes(StandardCharsets.US_ASCII);

    static {
        try {
            TestFiles.write(DIR.resolve("a.png"), TestFiles.png(4, 4, 0xFF0000));
            Files.write(DIR.resolve("b.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        LocalFiles.deleteTree(DIR);
    }

    private static void check(byte[] manifest) throws IOException {
        Path file = Files.write(DIR.resolve("manifest.csv"), manifest);
        FuzzSupport.openAndReadAll(() -> CsvDataset.open(file, "filepath", "title", ',', BadSamples.skip()));
        FuzzSupport.openAndReadAll(() -> CsvDataset.open(file, "filepath", "title", ',', BadSamples.fail()));
    }

    @Provide
    Arbitrary<String> tokenSoup() {
        Arbitrary<String> body = Arbitraries.of(TOKENS).list().ofMaxSize(40).map(tokens -> String.join("", tokens));
        return Arbitraries.oneOf(body, body.map(b -> "filepath,title\n" + b));
    }

    @Property(tries = 1500, seed = "1129")
    void rowsMadeOfCsvTokens(@ForAll("tokenSoup") String text) throws IOException {
        check(text.getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 1000, seed = "1130")
    void mutatedValidManifests(@ForAll long seed) throws IOException {
        check(FuzzSupport.mutate(VALID, seed, INTERESTING));
    }

    @Property(tries = 500, seed = "1131")
    void randomBytes(@ForAll byte[] bytes) throws IOException {
        check(bytes);
    }
}
