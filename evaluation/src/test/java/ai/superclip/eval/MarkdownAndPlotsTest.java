package ai.superclip.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MarkdownAndPlotsTest {

    @TempDir
    Path dir;

    @Test
    void markdownHasOneTablePerSection() throws IOException {
        String markdown = MarkdownReport.of("Run 1", EvalReportTest.sampleReport());
        Path file = dir.resolve("reports/run1.md");
        MarkdownReport.write(file, markdown);

        String written = Files.readString(file);
        assertTrue(written.startsWith("# Run 1\n"));
        assertTrue(written.contains("## zeroshot\n\n| dataset | chance | mean_per_class_recall | top1 | top5 |\n"
                + "| --- | --- | --- | --- | --- |\n| scenes-shape | 0.5000 | 0.7500 | 0.7500 | 1.0000 |\n"), written);
        assertTrue(written.contains("## train\n\n| metric | value |\n| --- | --- |\n| final_loss | 0.4321 |\n"
                + "| seconds | 95.5000 |\n| steps | 1200 |\n"), written);
        assertTrue(written.contains("## retrieval\n"));
        assertTrue(written.contains("## linear_probe\n"));
    }

    @Test
    void comparisonTableShowsMeanAndStdPerModel() {
        String markdown = MarkdownReport.comparison("CLIP vs SuperCLIP", models());
        assertTrue(markdown.contains("| metric | CLIP | SuperCLIP |\n"), markdown);
        assertTrue(markdown.contains("| zeroshot.shapes.top1 | 0.6000 ± 0.0200 | 0.7000 ± 0.0100 |\n"), markdown);
    }

    @Test
    void plotsAreWrittenAsReadablePngs() throws IOException {
        Path loss = dir.resolve("plots/loss.png");
        Map<String, Plots.Series> terms = new LinkedHashMap<>();
        double[] steps = new double[200];
        double[] clip = new double[200];
        double[] cls = new double[200];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = i * 10;
            clip[i] = 4 * Math.exp(-i / 60.0) + 0.3;
            cls[i] = 8 * Math.exp(-i / 40.0) + 1.0;
        }
        terms.put("clip", Plots.Series.of(steps, clip));
        terms.put("cls", Plots.Series.of(steps, cls));
        Plots.lossCurves(loss, "Training loss per term", terms);

        Path bars = dir.resolve("plots/bars.png");
        Plots.comparisonBars(bars, "CLIP vs SuperCLIP", List.of("zeroshot.shapes.top1", "retrieval.caps.t2i_r1"),
                models());

        Path batch = dir.resolve("plots/batch.png");
        double[] sizes = {16, 32, 64, 128, 256};
        Map<String, Plots.Series> perModel = new LinkedHashMap<>();
        perModel.put("CLIP", new Plots.Series(sizes, new double[] {0.30, 0.38, 0.45, 0.50, 0.53},
                new double[] {0.02, 0.02, 0.01, 0.01, 0.01}));
        perModel.put("SuperCLIP", Plots.Series.of(sizes, new double[] {0.42, 0.47, 0.51, 0.54, 0.56}));
        Plots.accuracyVsBatchSize(batch, "zero-shot top-1", perModel);

        for (Path png : List.of(loss, bars, batch)) {
            assertTrue(Files.size(png) > 0, png.toString());
            BufferedImage image = ImageIO.read(png.toFile());
            assertNotNull(image, png + " is not a readable image");
            assertEquals(900, image.getWidth());
            assertEquals(560, image.getHeight());
        }
    }

    @Test
    void barsNeedEveryMetricForEveryModel() {
        assertThrows(IllegalArgumentException.class, () -> Plots.comparisonBars(dir.resolve("x.png"), "t",
                List.of("missing.metric"), models()));
    }

    private static Map<String, SortedMap<String, MeanStd>> models() {
        Map<String, SortedMap<String, MeanStd>> byModel = new LinkedHashMap<>();
        byModel.put("CLIP", new TreeMap<>(Map.of("zeroshot.shapes.top1", MeanStd.of(0.58, 0.60, 0.62),
                "retrieval.caps.t2i_r1", MeanStd.of(0.30, 0.34))));
        byModel.put("SuperCLIP", new TreeMap<>(Map.of("zeroshot.shapes.top1", MeanStd.of(0.69, 0.70, 0.71),
                "retrieval.caps.t2i_r1", MeanStd.of(0.36, 0.37))));
        return byModel;
    }
}
