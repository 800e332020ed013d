package ai.superclip.spark;

import ai.superclip.data.SyntheticScenes;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * What the Spark tests share, made once per test JVM: a tiny model trained for a few steps and exported, and the
 * SDK's synthetic scenes saved as real PNG files with their captions.
 */
final class TestCorpus {
    static final Path ROOT = Path.of("target/spark-test");
    static final Path MODEL = ROOT.resolve("model");
    static final Path IMAGES = ROOT.resolve("images");
    static final int COUNT = 24;

    private static List<Path> files;
    private static List<String> captions;

    private TestCorpus() {
    }

    /** The PNG files (sorted by name), training and exporting the model first if this JVM has not. */
    static synchronized List<Path> images() {
        if (files == null) {
            build();
        }
        return files;
    }

    /** The scenes' captions, in the order of {@link #images()}. */
    static synchronized List<String> captions() {
        images();
        return captions;
    }

    private static void build() {
        SyntheticScenes scenes = SyntheticScenes.builder().count(64).seed(7).build();
        TrainingConfig config = TrainingConfig.builder("tiny").batchSize(8).steps(3).threads(2)
                .output(ROOT.resolve("run")).build();
        try {
            deleteRecursively(ROOT);
            try (Trainer trainer = Trainer.create(config, scenes)) {
                trainer.train();
                trainer.exportEncoders(MODEL);
            }
            Files.createDirectories(IMAGES);
            files = new ArrayList<>();
            captions = new ArrayList<>();
            for (int i = 0; i < COUNT; i++) {
                Path png = IMAGES.resolve(String.format("scene-%02d.png", i));
                ImageIO.write(scenes.read(i).image(), "png", png.toFile());
                files.add(png.toAbsolutePath());
                captions.add(scenes.caption(i));
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the Spark test corpus: " + e.getMessage(), e);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
