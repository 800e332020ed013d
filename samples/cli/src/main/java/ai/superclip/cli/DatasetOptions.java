package ai.superclip.cli;

import ai.superclip.data.BadSamples;
import ai.superclip.data.CsvDataset;
import ai.superclip.data.EmojiDataset;
import ai.superclip.data.FolderDataset;
import ai.superclip.data.IdxDataset;
import ai.superclip.data.ImageTextDataset;
import ai.superclip.data.KnownDatasets;
import ai.superclip.data.OnBadSample;
import ai.superclip.data.Split;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.data.TarShardDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.Stream;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * Where training or evaluation data comes from (open_clip's flag names where they apply), shared by {@code train}
 * and {@code eval}: one dataset vocabulary ({@link Type}), one set of CSV options.
 */
final class DatasetOptions {
    private static final Logger LOG = Logger.getLogger("superclip.data");

    /** The dataset vocabulary of every command: a format read from a path, or a dataset known by name. */
    enum Type {
        /** Built-in synthetic captioned scenes: generated, no path. */
        SCENES("scenes", null),
        CSV("csv", null),
        /** Images with {@code .txt} caption sidecars. */
        FOLDER("folder", null),
        /** WebDataset tar shards: a .tar file or a folder of them. */
        WDS("wds", null),
        /** IDX files ({@code train-images-idx3-ubyte[.gz]}, ...) with the digit class names. */
        MNIST("mnist", KnownDatasets.MNIST),
        /** IDX files with Fashion-MNIST's class names. */
        FASHION_MNIST("fashion-mnist", KnownDatasets.FASHION_MNIST),
        /** The Google emoji package (npm emoji-datasource-google). */
        EMOJI("emoji", KnownDatasets.EMOJI);

        final String id;
        /** Where the dataset is installed when no path is given, or null when a path is needed. */
        final KnownDatasets known;

        Type(String id, KnownDatasets known) {
            this.id = id;
            this.known = known;
        }

        @Override
        public String toString() {
            return id;
        }

        /** The type named {@code id}, or an error listing the names. */
        static Type of(String id) {
            return Arrays.stream(values()).filter(t -> t.id.equals(id)).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("unknown dataset type '" + id + "'; known: " + Arrays.toString(values())));
        }

        /** For picocli. */
        static final class Converter implements ITypeConverter<Type> {
            @Override
            public Type convert(String value) {
                return of(value);
            }
        }
    }

    @Option(names = "--dataset-type", converter = Type.Converter.class,
            description = "scenes, csv, folder, wds, mnist, fashion-mnist or emoji")
    Type type = Type.SCENES;

    @Option(names = "--csv-img-key", description = "CSV column with the image path")
    String csvImageKey = CsvDataset.DEFAULT_IMAGE_KEY;

    @Option(names = "--csv-caption-key", description = "CSV column with the caption")
    String csvCaptionKey = CsvDataset.DEFAULT_CAPTION_KEY;

    @Option(names = "--cls-caption-key", description = "Second caption for --dual-caption: a CSV column, or a"
            + " WebDataset member extension such as long.txt")
    String clsCaptionKey;

    @Option(names = "--csv-separator", description = "CSV field separator; \\t for TSV")
    String csvSeparator = ",";

    @Option(names = "--synthetic-count", description = "Scenes generated for training")
    int syntheticCount = 20_000;

    @Option(names = "--long-captions", description = "Scenes: the long detailed captions")
    boolean longCaptions;

    @Option(names = "--image-size", description = "Scenes: rendered size in pixels (the model's when unset)")
    Integer imageSize;

    @Option(names = "--on-bad-sample", description = "skip or fail on an unreadable record")
    OnBadSample onBadSample = OnBadSample.SKIP;

    /**
     * Opens the data at {@code path} as the configured type: ignored for scenes, the installed copy when null for
     * a known dataset; {@code pathFlag} names the flag that gives the path, for the error when it is missing.
     */
    ImageTextDataset open(Path path, String pathFlag, Split split, long seed, int modelImageSize) {
        BadSamples bad = new BadSamples(onBadSample, e -> LOG.warning(e.getMessage()));
        if (type != Type.SCENES && type.known == null && path == null) {
            throw new IllegalArgumentException(pathFlag + " is required for --dataset-type " + type);
        }
        Path at = path != null || type.known == null ? path : type.known.locate().orElseThrow(() ->
                new IllegalArgumentException(type + " is not installed: 'superclip data' says how, or give " + pathFlag));
        return switch (type) {
            case SCENES -> SyntheticScenes.builder().seed(seed).split(split).count(syntheticCount)
                    .imageSize(imageSize != null ? imageSize : modelImageSize).longCaptions(longCaptions).build();
            case CSV -> CsvDataset.open(at, csvImageKey, csvCaptionKey, clsCaptionKey, separator(), bad);
            case FOLDER -> FolderDataset.open(at, bad);
            case WDS -> TarShardDataset.open(shards(at), clsCaptionKey, bad);
            case MNIST -> idx(at, split, IdxDataset.MNIST_CLASSES, IdxDataset.MNIST_TEMPLATE, bad);
            case FASHION_MNIST -> idx(at, split, IdxDataset.FASHION_MNIST_CLASSES, IdxDataset.PHOTO_TEMPLATE, bad);
            case EMOJI -> EmojiDataset.open(at, EmojiDataset.TEMPLATE, bad);
        };
    }

    /** The training (or, for any other split, test) IDX files of a folder. */
    private static IdxDataset idx(Path folder, Split split, List<String> classes, String template, BadSamples bad) {
        String prefix = split == Split.TRAIN ? "train-" : "t10k-";
        return IdxDataset.open(idxFile(folder, prefix + "images-idx3-ubyte"), idxFile(folder, prefix + "labels-idx1-ubyte"),
                classes, template, bad);
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

    /** {@code name} or {@code name.gz} in {@code folder}. */
    private static Path idxFile(Path folder, String name) {
        Path plain = folder.resolve(name);
        return Files.exists(plain) ? plain : folder.resolve(name + ".gz");
    }
}
