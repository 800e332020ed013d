package ai.superclip.data;

import ai.superclip.runtime.LocalFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/** Fuzzing of {@link TarShardDataset}: nothing but {@link DataException} may escape, and nothing hangs. */
class TarFuzzTest {

    private static final Path DIR = FuzzSupport.tempDir("tar-fuzz");
    private static final byte[] PNG = TestFiles.png(6, 4, 0x00FF00);
    private static final byte[] VALID;
    private static final byte[] INTERESTING = {0, '0', '7', ' ', '.', '/', (byte) 0xFF, 'x'};

    static {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("000.png", PNG);
        members.put("000.txt", "a green box".getBytes(StandardCharsets.UTF_8));
        members.put("001.txt", "a caption".getBytes(StandardCharsets.UTF_8));
        members.put("001.jpg", TestFiles.encode(TestFiles.solid(5, 5, 0x123456), "jpeg"));
        try {
            VALID = TestFiles.tar(members);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        LocalFiles.deleteTree(DIR);
    }

    private static void check(byte[]... shards) throws IOException {
        Path[] paths = new Path[shards.length];
        for (int i = 0; i < shards.length; i++) {
            paths[i] = Files.write(DIR.resolve("shard-" + i + ".tar"), shards[i]);
        }
        FuzzSupport.openAndReadAll(() -> TarShardDataset.open(List.of(paths), BadSamples.skip()));
    }

    @Property(tries = 1500, seed = "2129")
    void mutatedValidShards(@ForAll long seed) throws IOException {
        // Most mutations land in the first header or the data; bias some into the 512-byte headers.
        byte[] shard = FuzzSupport.mutate(VALID, seed, INTERESTING);
        check(shard, VALID);
    }

    @Provide
    Arbitrary<Map<String, byte[]>> members() {
        Arbitrary<String> names = Arbitraries.of("a", "b", "dir/a", "a.b", ".", "", "x".repeat(120))
                .flatMap(key -> Arbitraries.of(".png", ".jpg", ".txt", ".TXT", ".json", "", ".png.txt")
                        .map(ext -> key + ext));
        Arbitrary<byte[]> contents = Arbitraries.oneOf(Arbitraries.just(PNG), Arbitraries.just(new byte[0]),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64));
        return Arbitraries.maps(names, contents).ofMaxSize(6);
    }

    @Property(tries = 1000, seed = "2130")
    void wellFormedTarsWithOddMembers(@ForAll("members") Map<String, byte[]> members) throws IOException {
        check(TestFiles.tar(members));
    }

    @Property(tries = 500, seed = "2131")
    void randomBytes(@ForAll byte[] bytes) throws IOException {
        check(bytes);
    }
}
