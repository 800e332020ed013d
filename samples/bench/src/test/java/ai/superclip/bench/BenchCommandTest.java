package ai.superclip.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code superclip bench --quick}: tiny shapes, a few iterations; the report has every key and sane ratios. */
class BenchCommandTest {

    @Test
    void quickBenchWritesTheReport(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("bench.json");
        int code = BenchCommand.run("--quick", "--iterations", "2", "--warmup", "1", "--out", out.toString());
        assertEquals(0, code);
        JsonNode report = new ObjectMapper().readTree(out.toFile());
        JsonNode speedup = report.get("speedup");
        for (String key : List.of("train_step_tiny", "train_step_mid", "inference_images_b64", "inference_texts_b64")) {
            assertTrue(speedup.has(key), "speedup." + key);
            assertTrue(speedup.get(key).isNumber() && speedup.get(key).asDouble() > 0, key + " = " + speedup.get(key));
        }
        double share = speedup.get("matmul_share_mid").asDouble();
        assertTrue(share > 0 && share <= 1.5, "matmul_share_mid = " + share);
        for (String key : List.of("train_step", "inference", "tokenization", "matmul", "superclip_head", "memory")) {
            assertTrue(report.has(key), key);
        }
        assertTrue(report.at("/tokenization/captions_per_s").asDouble() > 0);
        assertTrue(report.at("/memory/tiny/peak_rss_bytes").asLong() > 0, report.at("/memory/tiny").toString());
    }
}
