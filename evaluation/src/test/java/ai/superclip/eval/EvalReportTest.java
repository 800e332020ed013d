package ai.superclip.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalReportTest {

    @TempDir
    Path dir;

    static EvalReport sampleReport() {
        ClassificationMetrics zeroShot = ClassificationMetrics.of(
                new double[][] {{1, 0}, {0, 1}, {1, 0}, {0.2, 0.1}}, new int[] {0, 1, 1, 0}, 2);
        Retrieval.RetrievalMetrics retrieval = Retrieval.evaluate(
                new float[][] {{1, 0}, {0, 1}}, new float[][] {{1, 0}, {1, 0.1f}, {0, 1}}, new int[] {0, 0, 1},
                Retrieval.DEFAULT_KS);
        LinearProbe.Result probe = LinearProbe.run(
                new float[][] {{1, 0}, {0.9f, 0.1f}, {0.8f, 0.2f}, {0, 1}, {0.1f, 0.9f}, {0.2f, 0.8f}},
                new int[] {0, 0, 0, 1, 1, 1}, new float[][] {{1, 0.05f}, {0.05f, 1}}, new int[] {0, 1}, 2,
                LinearProbe.Config.defaults(0));
        return new EvalReport()
                .putZeroShot("scenes-shape", zeroShot)
                .putRetrieval("scenes-caption", retrieval)
                .putLinearProbe("scenes-shape", probe)
                .putTraining(1200, 95.5, 0.4321);
    }

    @Test
    void jsonHasExactlyTheSpecifiedNestedKeys() throws IOException {
        Path file = dir.resolve("report.json");
        sampleReport().writeJson(file);
        JsonNode root = new ObjectMapper().readTree(file.toFile());

        List<String> leaves = new ArrayList<>();
        collectLeaves("", root, leaves);
        TreeSet<String> expected = new TreeSet<>(List.of(
                "zeroshot.scenes-shape.top1", "zeroshot.scenes-shape.top5",
                "zeroshot.scenes-shape.mean_per_class_recall", "zeroshot.scenes-shape.chance",
                "retrieval.scenes-caption.i2t_r1", "retrieval.scenes-caption.i2t_r5",
                "retrieval.scenes-caption.i2t_r10", "retrieval.scenes-caption.t2i_r1",
                "retrieval.scenes-caption.t2i_r5", "retrieval.scenes-caption.t2i_r10",
                "retrieval.scenes-caption.i2t_mean_rank", "retrieval.scenes-caption.i2t_median_rank",
                "retrieval.scenes-caption.t2i_mean_rank", "retrieval.scenes-caption.t2i_median_rank",
                "retrieval.scenes-caption.chance_r1", "retrieval.scenes-caption.i2t_chance_r1",
                "linear_probe.scenes-shape.top1", "linear_probe.scenes-shape.top5",
                "linear_probe.scenes-shape.mean_per_class_recall", "linear_probe.scenes-shape.chance",
                "linear_probe.scenes-shape.penalty",
                "train.steps", "train.seconds", "train.final_loss"));
        assertEquals(new ArrayList<>(expected), leaves, "keys present and written in sorted order");

        assertEquals(0.75, root.get("zeroshot").get("scenes-shape").get("top1").doubleValue(), 0.0);
        assertTrue(root.get("train").get("steps").isIntegralNumber());
        assertEquals(1200, root.get("train").get("steps").longValue());
        assertEquals(0.5, root.get("retrieval").get("scenes-caption").get("chance_r1").doubleValue(), 0.0);
    }

    @Test
    void jsonIsIndependentOfInsertionOrderAndReadsBack() throws IOException {
        EvalReport report = sampleReport();
        EvalReport reversed = new EvalReport();
        List<String> keys = new ArrayList<>(report.metrics().keySet());
        Collections.reverse(keys);
        keys.forEach(k -> reversed.put(k, report.metrics().get(k)));
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        report.writeJson(a);
        reversed.writeJson(b);

        assertEquals(Files.readString(a), Files.readString(b));
        assertTrue(Files.readString(a).startsWith("{\n  \"linear_probe\" : {"));
        assertEquals(report.metrics(), EvalReport.readJson(a).metrics());
    }

    @Test
    void nonFiniteValuesSurviveTheRoundTrip() throws IOException {
        Path file = dir.resolve("nan.json");
        new EvalReport().put("train.final_loss", Double.NaN).writeJson(file);
        assertTrue(Double.isNaN(EvalReport.readJson(file).metrics().get("train.final_loss").doubleValue()));
    }

    @Test
    void malformedOrCollidingKeysAreRejected() {
        EvalReport report = new EvalReport().put("zeroshot.a.top1", 0.5);
        assertThrows(IllegalArgumentException.class, () -> report.put("zeroshot.a", 1.0));
        assertThrows(IllegalArgumentException.class, () -> report.put("zeroshot.a.top1.x", 1.0));
        assertThrows(IllegalArgumentException.class, () -> report.put("zeroshot..top1", 1.0));
        assertThrows(IllegalArgumentException.class, () -> report.putZeroShot("bad.name", sampleMetrics()));
    }

    @Test
    void meanStdOverSeeds() {
        MeanStd m = MeanStd.of(1, 2, 3, 4);
        assertEquals(2.5, m.mean(), 1e-15);
        assertEquals(Math.sqrt(5.0 / 3), m.std(), 1e-15);
        assertEquals(0.0, MeanStd.of(7).std(), 0.0);
        assertEquals("2.5000 ± 1.2910", m.toString());

        SortedMap<String, MeanStd> across = MeanStd.across(List.of(
                new EvalReport().put("zeroshot.x.top1", 0.5).put("train.steps", 10L),
                new EvalReport().put("zeroshot.x.top1", 0.7)));
        assertEquals(Map.of("train.steps", new MeanStd(10, 0, 1), "zeroshot.x.top1", MeanStd.of(0.5, 0.7)), across);
        assertEquals(2, across.get("zeroshot.x.top1").n());
    }

    private static ClassificationMetrics sampleMetrics() {
        return ClassificationMetrics.of(new double[][] {{1, 0}}, new int[] {0}, 2);
    }

    private static void collectLeaves(String prefix, JsonNode node, List<String> out) {
        if (!node.isObject()) {
            out.add(prefix);
            return;
        }
        node.properties().forEach(e -> collectLeaves(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
                e.getValue(), out));
    }

    @Test
    void agreementIsTheShareOfSamplesWithTheSameTopClass() {
        int[] labels = {0, 1, 2, 0};
        // predicted 0, 1, 2, 1 and 0, 2, 2, 1: equal for samples 0, 2 and 3
        double[][] a = {{3, 1, 0}, {0, 2, 1}, {0, 1, 5}, {1, 4, 0}};
        double[][] b = {{3, 1, 0}, {0, 1, 2}, {0, 1, 5}, {1, 4, 0}};
        EvalReport first = new EvalReport().putZeroShot("shapes", ClassificationMetrics.of(a, labels, 3));
        EvalReport second = new EvalReport().putZeroShot("shapes", ClassificationMetrics.of(b, labels, 3));
        first.putAgreement(second);
        assertEquals(0.75, first.metrics().get("zeroshot.shapes.agreement_top1").doubleValue(), 1e-12);
        EvalReport other = new EvalReport().putZeroShot("colours", ClassificationMetrics.of(b, labels, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> first.putAgreement(other));
        assertTrue(e.getMessage().contains("shapes"), e.getMessage());
    }
}
