package ai.superclip.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.train.TrainingConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code superclip-bench --quick}: tiny shapes, two iterations. Every figure of the report is checked against the
 * timings it is derived from (a speedup is libtorch's median over ours, the MatMul share our rate over the
 * attainable one, a goal its threshold applied to the speedup), so a report that mislabels or miscomputes fails.
 */
class BenchCommandTest {
    private static final int ITERATIONS = 2;
    private static JsonNode report;

    @BeforeAll
    static void runQuickBench(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("bench.json");
        int code = BenchCommand.run("--quick", "--iterations", Integer.toString(ITERATIONS), "--warmup", "1",
                "--out", out.toString(), "--work-dir", dir.resolve("work").toString());
        assertEquals(0, code);
        report = new ObjectMapper().readTree(out.toFile());
    }

    @Test
    void speedupsAreTheRatiosOfTheReportedMedians() {
        JsonNode speedup = report.get("speedup");
        assertRatio(speedup, "train_step_tiny", report.at("/train_step/tiny"));
        assertRatio(speedup, "train_step_mid", report.at("/train_step/mid"));
        assertRatio(speedup, "inference_images_b64", report.at("/inference/images_b64"));
        assertRatio(speedup, "inference_texts_b64", report.at("/inference/texts_b64"));
        assertRatio(speedup, "inference_texts_b64_sdk", report.at("/inference/texts_b64_sdk"));
        // the quick run measures the tiny preset once and reports it for both slots
        assertEquals("tiny", report.at("/train_step/mid/same_as").asText());
        assertEquals(speedup.get("train_step_tiny").asDouble(), speedup.get("train_step_mid").asDouble());
    }

    @Test
    void matmulShareIsOurRateOverTheAttainableRate() {
        JsonNode tiny = report.at("/train_step/tiny");
        double ourGflops = tiny.get("step_gflop").asDouble() / (tiny.at("/ours/median_ms").asDouble() / 1e3);
        assertClose(ourGflops, tiny.get("ours_gflops").asDouble(), "ours_gflops");
        double share = ourGflops / report.at("/matmul/attainable_gflops").asDouble();
        assertClose(share, report.at("/speedup/matmul_share_mid").asDouble(), "matmul_share_mid");
    }

    @Test
    void everyTimingHasTheRequestedIterations() {
        for (String path : new String[] {"/train_step/tiny/ours", "/train_step/tiny/libtorch",
            "/inference/images_b64/ours", "/inference/texts_b64/libtorch", "/inference/texts_b64_sdk/ours",
            "/inference/texts_b64_sdk/libtorch", "/tokenization/stats"}) {
            JsonNode stats = report.at(path);
            assertEquals(ITERATIONS, stats.get("n").asInt(), path);
            assertTrue(stats.get("min_ms").asDouble() <= stats.get("median_ms").asDouble()
                    && stats.get("median_ms").asDouble() <= stats.get("max_ms").asDouble(), path + " " + stats);
        }
        JsonNode tokens = report.get("tokenization");
        assertClose(tokens.get("batch").asDouble() / (tokens.at("/stats/median_ms").asDouble() / 1e3),
                tokens.get("captions_per_s").asDouble(), "captions_per_s");
    }

    @Test
    void trainStepRunsWithTheUsersDefaultSessionSettings() {
        TrainingConfig defaults = TrainingConfig.builder("tiny").build();
        JsonNode session = report.at("/run/train_session");
        assertEquals(defaults.sessionOptions().deterministic(), session.get("deterministic").asBoolean());
        assertEquals(defaults.device(), session.get("device").asText());
        assertEquals(defaults.learningRate(), session.get("learning_rate").asDouble());
    }

    @Test
    void goalsApplyTheirThresholdsToTheSpeedups() {
        JsonNode speedup = report.get("speedup");
        JsonNode goals = report.get("goals");
        assertEquals(speedup.get("train_step_tiny").asDouble() >= 1.25,
                goals.get("train_step_tiny_at_most_0.8x_libtorch").asBoolean());
        assertEquals(speedup.get("inference_images_b64").asDouble() >= 2.5,
                goals.get("inference_images_b64_at_least_2.5x").asBoolean());
        assertEquals(speedup.get("inference_texts_b64_sdk").asDouble() >= 2.5,
                goals.get("inference_texts_b64_sdk_at_least_2.5x").asBoolean());
        assertEquals(speedup.get("matmul_share_mid").asDouble() >= 0.75,
                goals.get("matmul_share_mid_at_least_0.75").asBoolean());
    }

    @Test
    void textTrimmingAndInt8AreRatiosOfTheirReportedMedians() {
        JsonNode speedup = report.get("speedup");
        JsonNode scenes = report.at("/inference/text_trim/scenes_long");
        assertTrue(scenes.get("trimmed_length").asInt() < 77, scenes.toString());
        JsonNode sdk = report.at("/inference/texts_b64_sdk");
        assertTrue(sdk.get("trimmed_length").asInt() < 77, sdk.toString());
        assertClose(scenes.at("/full/median_ms").asDouble() / scenes.at("/trimmed/median_ms").asDouble(),
                speedup.get("text_trim_speedup").asDouble(), "text_trim_speedup");
        for (String kind : new String[] {"images", "texts"}) {
            JsonNode int8 = report.at("/inference/int8/" + kind + "_b64");
            assertClose(int8.at("/float/median_ms").asDouble() / int8.at("/int8/median_ms").asDouble(),
                    speedup.get("int8_over_float_" + kind + "_b64").asDouble(), kind);
            assertTrue(int8.get("mean_cosine_to_float").asDouble() > 0.99, int8.toString());
        }
        JsonNode trainTrim = report.at("/train_step/tiny/trimmed_captions");
        assertClose(trainTrim.at("/full/median_ms").asDouble() / trainTrim.at("/trimmed/median_ms").asDouble(),
                speedup.get("train_trim_speedup_tiny").asDouble(), "train_trim_speedup_tiny");
        assertEquals(report.at("/superclip_head/tiny/time_overhead").asDouble(),
                speedup.get("head_overhead_tiny").asDouble());
        assertEquals(report.at("/memory/tiny/peak_over_counted").asDouble(),
                speedup.get("peak_memory_ratio_tiny").asDouble());
    }

    @Test
    void peakMemoryIsMeasuredAndComparedWithTheCountedBytes() {
        JsonNode tiny = report.at("/memory/tiny");
        long counted = tiny.get("total_bytes").asLong();
        assertEquals(counted, tiny.get("parameters_bytes").asLong() * 4 + tiny.get("activations_bytes").asLong(),
                "parameters, gradients and two AdamW moments, plus activations");
        long peak = tiny.get("peak_rss_bytes").asLong();
        assertTrue(peak > tiny.get("parameters_bytes").asLong(), tiny.toString());
        assertClose((double) peak / counted, tiny.get("peak_over_counted").asDouble(), "peak_over_counted");
    }

    /** {@code speedup.key} is libtorch's median over ours in {@code entry}, to the report's rounding. */
    private static void assertRatio(JsonNode speedup, String key, JsonNode entry) {
        assertTrue(speedup.get(key).isNumber(), "speedup." + key + " = " + speedup.get(key));
        double ratio = entry.at("/libtorch/median_ms").asDouble() / entry.at("/ours/median_ms").asDouble();
        assertClose(ratio, speedup.get(key).asDouble(), "speedup." + key);
        assertEquals(speedup.get(key).asDouble(), entry.get("speedup").asDouble(), key);
    }

    /** Equal to the report's rounding: three decimals of each figure, so 1e-2 relative. */
    private static void assertClose(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= 1e-2 * Math.abs(expected) + 1e-3, what + ": expected " + expected
                + ", reported " + actual);
    }
}
