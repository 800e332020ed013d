package ai.superclip.data;

import ai.superclip.runtime.LocalFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;

/** Fuzzing of {@link IdxDataset}: nothing but {@link DataException} may escape, and nothing hangs. */
class IdxFuzzTest {

    private static final Path DIR = FuzzSupport.tempDir("idx-fuzz");
    private static final List<String> CLASSES = List.of("a", "b", "c");
    private static final byte[] IMAGES;
    private static final byte[] LABELS;
    private static final byte[] INTERESTING = {0, 1, 3, 8, (byte) 0x7F, (byte) 0x80, (byte) 0xFF};

    static {
        try {
            Path images = DIR.resolve("valid-images");
            Path labels = DIR.resolve("valid-labels");
            TestFiles.writeIdx(images, labels, new byte[4 * 3 * 2], 4, 3, 2, new byte[] {0, 1, 2, 1}, false);
            IMAGES = Files.readAllBytes(images);
            LABELS = Files.readAllBytes(labels);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        LocalFiles.deleteTree(DIR);
    }

    private static void check(byte[] images, byte[] labels) throws IOException {
        Path imageFile = Files.write(DIR.resolve("images-idx3-ubyte"), images);
        Path labelFile = Files.write(DIR.resolve("labels-idx1-ubyte"), labels);
        FuzzSupport.openAndReadAll(() -> IdxDataset.open(imageFile, labelFile, CLASSES, "a {}", BadSamples.skip()));
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    @Property(tries = 1500, seed = "3129")
    void mutatedValidFiles(@ForAll long seed, @ForAll boolean mutateLabels, @ForAll boolean gzipAfter)
            throws IOException {
        byte[] images = mutateLabels ? IMAGES : FuzzSupport.mutate(IMAGES, seed, INTERESTING);
        byte[] labels = mutateLabels ? FuzzSupport.mutate(LABELS, seed, INTERESTING) : LABELS;
        check(gzipAfter ? gzip(images) : images, gzipAfter ? gzip(labels) : labels);
    }

    @Property(tries = 1000, seed = "3130")
    void mutatedGzipStreams(@ForAll long seed) throws IOException {
        check(FuzzSupport.mutate(gzip(IMAGES), seed, INTERESTING), LABELS);
    }

    @Property(tries = 500, seed = "3131")
    void randomBytes(@ForAll byte[] images, @ForAll byte[] labels) throws IOException {
        check(images, labels);
    }
}
