package ai.superclip.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OrtProfile} on a hand-written profile in ONNX Runtime's format (events listed as they end, a run's kernels
 * before its {@code model_run}): three runs, the first a slow warm-up. The expected figures are worked out by hand
 * from the file's durations and shapes.
 */
class OrtProfileTest {

    @Test
    @SuppressWarnings("unchecked")
    void countsOnlyTheRunsAfterTheWarmUp() throws Exception {
        Map<String, Object> s = OrtProfile.steadyState(resource("three-run-profile.json"), 12);
        assertEquals(2, s.get("runs"));
        assertEquals(1.0, s.get("warmup_model_run_ms"));
        assertEquals(List.of(0.4, 0.5), s.get("model_run_ms"));
        Map<String, Map<String, Object>> ops = (Map<String, Map<String, Object>>) s.get("top_ops");
        assertEquals(List.of("Gemm", "Add", "(all kernels)"), List.copyOf(ops.keySet()));
        // Gemm: 200 + 200 µs over two runs (the warm-up's 900 µs left out); Add: 60 + 40 µs (its 50 µs left out)
        assertEquals(0.2, ops.get("Gemm").get("ms_per_step"));
        assertEquals(1.0, ops.get("Gemm").get("calls_per_step"));
        assertEquals(0.8, ops.get("Gemm").get("share"));
        assertEquals(0.05, ops.get("Add").get("ms_per_step"));
        assertEquals(0.25, ops.get("(all kernels)").get("ms_per_step"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void gemmRateCountsTwoFlopsPerMultiplyAdd() throws Exception {
        Map<String, Object> s = OrtProfile.steadyState(resource("three-run-profile.json"), 12);
        Map<String, Map<String, Object>> ops = (Map<String, Map<String, Object>>) s.get("top_ops");
        // each counted Gemm is 100 x 40 outputs over K = 50 (A [100, 50], then transposed [50, 100]):
        // 2 * 100 * 40 * 50 = 400,000 FLOPs in 200 µs, 2 GFLOP/s
        assertEquals(2.0, ops.get("Gemm").get("gflops"));
        assertEquals(null, ops.get("Add").get("gflops"));
    }

    @Test
    void matrixProductFlopsFollowTheContractedDimension() throws Exception {
        assertEquals(2.0 * 2 * 3 * 10 * 12 * 8, flops("[{\"float\":[2,3,10,8]},{\"float\":[2,3,8,12]}]", "[2,3,10,12]"));
        // FusedMatMul with transA: A's last two dims [K, M]
        assertEquals(2.0 * 2 * 3 * 10 * 12 * 8, flops("[{\"float\":[2,3,8,10]},{\"float\":[2,3,8,12]}]", "[2,3,10,12]"));
        // A broadcast over B's batch
        assertEquals(2.0 * 4 * 10 * 12 * 8, flops("[{\"float\":[10,8]},{\"float\":[4,8,12]}]", "[4,10,12]"));
        // a 1-D B: the output is [..., M]
        assertEquals(2.0 * 4 * 10 * 8, flops("[{\"float\":[4,10,8]},{\"float\":[8]}]", "[4,10]"));
        assertEquals(0.0, flops("[]", "[4,10]"));
    }

    @Test
    void aProfileWithoutARunAfterTheWarmUpIsRefused(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("one-run.json");
        Files.writeString(file, "[{\"cat\":\"Session\",\"name\":\"model_run\",\"ts\":1,\"dur\":5,\"args\":{}}]");
        IOException e = assertThrows(IOException.class, () -> OrtProfile.steadyState(file, 12));
        assertEquals(file + " holds 1 model_run events: a warm-up run and at least one more are needed",
                e.getMessage());
    }

    private static double flops(String inputs, String output) throws IOException {
        return OrtProfile.matrixProductFlops(new ObjectMapper().readTree("{\"input_type_shape\":" + inputs
                + ",\"output_type_shape\":[{\"float\":" + output + "}]}"));
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(OrtProfileTest.class.getResource(name).toURI());
    }
}
