package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDatasetTest {

    private static final List<String> CLASSES = List.of("zero", "one", "two");

    @TempDir
    Path dir;

    /** Three 2×3 images whose pixel (x, y) is 10·index + 3·y + x, labels 2, 0, 1. */
    private void writeStandard(String prefix, boolean gzip) throws IOException {
        byte[] pixels = new byte[3 * 6];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (10 * (i / 6) + i % 6);
        }
        String suffix = gzip ? ".gz" : "";
        TestFiles.writeIdx(dir.resolve(prefix + "-images-idx3-ubyte" + suffix),
                dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), pixels, 3, 2, 3, new byte[] {2, 0, 1}, gzip);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readsPlainAndGzippedFiles(boolean gzip) throws IOException {
        writeStandard("t10k", gzip);
        IdxDataset data = IdxDataset.openStandard(dir, false, CLASSES, "a photo of a {}.");
        assertEquals(3, data.size());
        assertEquals(CLASSES, data.classNames());
        Sample third = data.read(2);
        assertEquals("t10k-images-idx3-ubyte" + (gzip ? ".gz" : "") + "#2", third.id());
        assertEquals(1, third.label());
        assertEquals("a photo of a one.", third.caption());
        assertEquals(3, third.image().getWidth());
        assertEquals(2, third.image().getHeight());
        assertEquals(20 + 3 + 2, third.image().getRaster().getSample(2, 1, 0));
        assertEquals("a photo of a two.", data.read(0).caption());
    }

    @Test
    void damagedFilesAreNamed() throws IOException {
        writeStandard("train", false);
        Path images = dir.resolve("train-images-idx3-ubyte");
        Path labels = dir.resolve("train-labels-idx1-ubyte");
        byte[] good = Files.readAllBytes(images);

        Files.write(images, Arrays.copyOf(good, good.length - 1));
        assertMalformed(images, labels, "truncated");
        Files.write(images, good);
        assertMalformed(labels, images, "magic number");
        assertMalformed(images, labels, "label 2", List.of("zero", "one"));
        Files.write(labels, new byte[] {0, 0, 8, 1, 0, 0, 0, 2, 0, 0});
        assertMalformed(images, labels, "holds 2 labels but");

        DataException e = assertThrows(DataException.class,
                () -> IdxDataset.open(dir.resolve("x"), labels, CLASSES, "{}", BadSamples.skip()));
        assertEquals(DataException.Reason.MISSING_FILE, e.reason());
    }

    private void assertMalformed(Path images, Path labels, String fragment) {
        assertMalformed(images, labels, fragment, CLASSES);
    }

    private void assertMalformed(Path images, Path labels, String fragment, List<String> classes) {
        DataException e = assertThrows(DataException.class,
                () -> IdxDataset.open(images, labels, classes, "{}", BadSamples.skip()));
        assertEquals(DataException.Reason.MALFORMED_FILE, e.reason());
        assertTrue(e.getMessage().contains(fragment) && e.getMessage().contains(dir.toString()), e.getMessage());
    }
}
