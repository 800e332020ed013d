package ai.superclip.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.tokenization.ClipTokenizer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code --profile} figures on the tiny preset at batch 8, from a real ONNX Runtime profile: three steps counted
 * after the constructor's warm-up step, and each step's forward-backward wall time at least its profiled run.
 */
class BenchProfileTest {

    @Test
    @SuppressWarnings("unchecked")
    void profileCountsTheStepsAfterTheWarmUpAndTimesBothPhases(@TempDir Path dir) throws Exception {
        BenchRunner runner = new BenchRunner(new BenchRunner.Options(0, 1, 2, true, true, true, false, dir),
                new PrintStream(OutputStream.nullOutputStream()));
        Map<String, Object> p;
        try (ClipTokenizer tokenizer = ClipTokenizer.clip(ClipTokenizer.DEFAULT_CONTEXT_LENGTH)) {
            ModelConfig config = Presets.get("tiny").withTokenizer(tokenizer.vocabularySize(),
                    tokenizer.contextLength());
            Path artifacts = OrtTrain.writeArtifacts(config, dir.resolve("artifacts"), 7);
            p = runner.profile(config, new SyntheticInputs(config, tokenizer, 8, 7), artifacts);
        }
        assertEquals(3, p.get("runs"));
        List<Double> runs = (List<Double>) p.get("model_run_ms");
        assertEquals(3, runs.size());
        double medianRun = Stats.of(runs.stream().mapToDouble(Double::doubleValue).toArray()).median();
        // trainStep's wall time holds its session run
        assertTrue((double) p.get("train_step_ms") >= medianRun, p.toString());
        assertTrue((double) p.get("optimizer_step_ms") > 0, p.toString());
        Map<String, Map<String, Object>> ops = (Map<String, Map<String, Object>>) p.get("top_ops");
        assertTrue((double) ops.get("Gemm").get("gflops") > 0, ops.toString());
        assertTrue((double) ops.get("(all kernels)").get("ms_per_step") <= runs.stream().mapToDouble(d -> d).max()
                .orElseThrow(), p.toString());
    }
}
