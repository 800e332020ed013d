package ai.superclip.cli;

import ai.superclip.data.BadSamples;
import ai.superclip.data.CsvDataset;
import ai.superclip.data.EmojiDataset;
import ai.superclip.data.FolderDataset;
import ai.superclip.data.IdxDataset;
import ai.superclip.data.ImageTextDataset;
import ai.superclip.data.OnBadSample;
import ai.superclip.data.Split;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.data.TarShardDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/** Where training or evaluation data comes from (open_clip's flag names where they apply). */
final class DatasetOptions {
    private static final Logger LOG = Logger.getLogger("superclip.data");

    enum Type { csv, folder, wds, idx, emoji, synthetic }

    @Option(names = "--dataset-type", description = "csv, folder, wds, idx, emoji or synthetic")
    Type type = Type.synthetic;

    @Option(names = "--csv-img-key", description = "CSV column with the image path")
    String csvImageKey = "filepath";

    @Option(names = "--csv-caption-key", description = "CSV column with the caption")
    String csvCaptionKey = "title";

    @Option(names = "--cls-caption-key", description = "Second caption for --dual-caption: a CSV column, or a"
            + " WebDataset member extension such as long.txt")
    String clsCaptionKey;

    @Option(names = "--csv-separator", description = "CSV field separator; \\t for TSV")
    String csvSeparator = ",";

    @Option(names = "--synthetic-count", description = "Scenes generated for training")
    int syntheticCount = 20_000;

    @Option(names = "--long-captions", description = "Synthetic scenes: train on the long detailed captions")
    boolean longCaptions;

    @Option(names = "--image-size", description = "Synthetic scenes: rendered size in pixels (the model's when unset)")
    Integer imageSize;

    @Option(names = "--on-bad-sample", description = "skip or fail on an unreadable record")
    OnBadSample onBadSample = OnBadSample.SKIP;

    /** Opens {@code path} (ignored for synthetic data) as the configured type. */
    ImageTextDataset open(Path path, Split split, long seed, int modelImageSize) {
        BadSamples bad = new BadSamples(onBadSample, e -> LOG.warning(e.getMessage()));
        if (type != Type.synthetic && path == null) {
            throw new IllegalArgumentException("--train-data is required for --dataset-type " + type);
        }
        return switch (type) {
            case synthetic -> SyntheticScenes.builder().seed(seed).split(split).count(syntheticCount)
                    .imageSize(imageSize != null ? imageSize : modelImageSize).longCaptions(longCaptions).build();
            case csv -> CsvDataset.open(path, csvImageKey, csvCaptionKey, clsCaptionKey, separator(), bad);
            case folder -> FolderDataset.open(path, bad);
            case wds -> TarShardDataset.open(shards(path), clsCaptionKey, bad);
            case idx -> IdxDataset.open(idxFile(path, "images-idx3-ubyte"), idxFile(path, "labels-idx1-ubyte"),
                    path.toString().contains("fashion") ? IdxDataset.FASHION_MNIST_CLASSES : IdxDataset.MNIST_CLASSES,
                    path.toString().contains("fashion") ? IdxDataset.PHOTO_TEMPLATE : IdxDataset.MNIST_TEMPLATE, bad);
            case emoji -> EmojiDataset.open(path, EmojiDataset.TEMPLATE, bad);
        };
    }

    private char separator() {
        String s = csvSeparator.equals("\\t") ? "\t" : csvSeparator;
        if (s.length() != 1) {
            throw new IllegalArgumentException("--csv-separator must be one character, got '" + csvSeparator + "'");
        }
        return s.charAt(0);
    }

    /** A .tar file, or every .tar in a directory, sorted. */
    private static List<Path> shards(Path path) {
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> s = Files.list(path)) {
            List<Path> tars = new ArrayList<>(s.filter(p -> p.toString().endsWith(".tar")).sorted().toList());
            if (tars.isEmpty()) {
                throw new IllegalArgumentException("no .tar shard in " + path);
            }
            return tars;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot list " + path + ": " + e.getMessage(), e);
        }
    }

    /** The training IDX file of a folder ({@code train-<name>[.gz]}), or {@code path} itself. */
    private static Path idxFile(Path path, String name) {
        if (!Files.isDirectory(path)) {
            return path;
        }
        Path plain = path.resolve("train-" + name);
        return Files.exists(plain) ? plain : path.resolve("train-" + name + ".gz");
    }
}
