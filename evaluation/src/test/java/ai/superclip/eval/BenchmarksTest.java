package ai.superclip.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.superclip.data.KnownDatasets;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.inference.Model;
import ai.superclip.inference.TextEmbedder;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Benchmarks on a tiny model trained for one step: key presence, value ranges, exact chance values. */
class BenchmarksTest {

    @TempDir
    static Path dir;

    private static Model model;

    @BeforeAll
    static void trainOneStep() throws Exception {
        SyntheticScenes scenes = SyntheticScenes.builder().seed(1).count(8).build();
        TrainingConfig config = TrainingConfig.builder("tiny").batchSize(4).steps(1).threads(2).checkpointEvery(0)
                .keepCheckpoints(1).output(dir.resolve("run")).build();
        try (Trainer trainer = Trainer.create(config, scenes)) {
            trainer.train();
            trainer.exportEncoders(dir.resolve("model"));
        }
        model = Model.load(dir.resolve("model"), 2, 64);
    }

    @AfterAll
    static void close() throws Exception {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void scenesReportEveryTaskWithExactChance() throws Exception {
        EvalReport shortStyle = Benchmarks.evaluate(model, "scenes", EvalOptions.scenes(3, 60, false));
        Map<String, Number> m = shortStyle.metrics();
        assertEquals(0.2, m.get("zeroshot.scenes-shape.chance").doubleValue(), 0);
        assertEquals(1.0 / 6, m.get("zeroshot.scenes-color.chance").doubleValue(), 0);
        assertEquals(1.0 / 3, m.get("zeroshot.scenes-count.chance").doubleValue(), 0);
        assertEquals(0.5, m.get("zeroshot.scenes-compositional.chance").doubleValue(), 0);
        assertEquals(1.0 / 60, m.get("retrieval.scenes.chance_r1").doubleValue(), 0);
        assertTrue(!m.containsKey("zeroshot.scenes-size.top1"), "short captions do not name the size");
        for (String key : List.of("zeroshot.scenes-shape.top1", "zeroshot.scenes-color.top1",
                "zeroshot.scenes-count.top1", "zeroshot.scenes-compositional.top1", "retrieval.scenes.i2t_r1",
                "retrieval.scenes.t2i_r1", "retrieval.scenes.t2i_r10")) {
            double v = m.get(key).doubleValue();
            assertTrue(v >= 0 && v <= 1, key + " = " + v);
        }
        assertEquals(shortStyle.metrics(), Benchmarks.evaluate(model, "scenes", EvalOptions.scenes(3, 60, false))
                .metrics(), "deterministic");

        EvalReport longStyle = Benchmarks.evaluate(model, "scenes", EvalOptions.scenes(3, 40, true)
                .withPromptsPerClass(4));
        for (String attribute : SyntheticScenes.describedAttributes(true)) {
            assertEquals(1.0 / SyntheticScenes.values(attribute).size(),
                    longStyle.metrics().get("zeroshot.scenes-" + attribute + ".chance").doubleValue(), 0, attribute);
        }
        assertEquals(0.025, longStyle.metrics().get("retrieval.scenes.chance_r1").doubleValue(), 0);
    }

    @Test
    void csvManifestsGetRetrievalWithSeveralCaptionsPerImage() throws Exception {
        List<String> rows = new ArrayList<>(List.of("image,caption"));
        Color[] colours = {Color.RED, Color.GREEN, Color.BLUE};
        for (int i = 0; i < colours.length; i++) {
            BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setColor(colours[i]);
            g.fillRect(0, 0, 32, 32);
            g.dispose();
            ImageIO.write(image, "png", dir.resolve("img" + i + ".png").toFile());
            rows.add("img" + i + ".png,a plain colour " + i);
            rows.add("img" + i + ".png,another caption " + i);
        }
        Path manifest = dir.resolve("manifest.csv");
        Files.write(manifest, rows);
        EvalReport report = Benchmarks.evaluate(model, "csv", EvalOptions.defaults().withCsv(manifest, "image",
                "caption"));
        assertEquals(1.0 / 3, report.metrics().get("retrieval.csv.chance_r1").doubleValue(), 0);
        assertTrue(report.metrics().keySet().stream().noneMatch(k -> k.startsWith("zeroshot.")), "no labels");
    }

    @Test
    void unknownOrMissingDatasetsFailClearly() {
        assertThrows(IllegalArgumentException.class,
                () -> Benchmarks.evaluate(model, "imagenet", EvalOptions.defaults()));
        assumeTrue(KnownDatasets.MNIST.locate().isEmpty(), "MNIST is installed");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Benchmarks.evaluate(model, "mnist", EvalOptions.defaults()));
        assertTrue(e.getMessage().contains("not installed"), e.getMessage());
    }

    @Test
    void memoizedEmbedderEmbedsEachTextOnce() throws Exception {
        List<List<String>> calls = new ArrayList<>();
        TextEmbedder counting = texts -> {
            calls.add(texts);
            return texts.stream().map(t -> new float[] {t.length(), 1}).toArray(float[][]::new);
        };
        TextEmbedder memo = Benchmarks.memoized(counting);
        float[][] a = memo.embed(List.of("ab", "c", "ab"));
        float[][] b = memo.embed(List.of("c", "def"));
        assertEquals(List.of(List.of("ab", "c"), List.of("def")), calls);
        assertEquals(2f, a[2][0]);
        assertEquals(3f, b[1][0]);
    }
}
