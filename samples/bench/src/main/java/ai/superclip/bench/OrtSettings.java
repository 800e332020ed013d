package ai.superclip.bench;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.ExecutionMode;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ONNX Runtime session settings the inference and MatMul benchmarks run with (the train step takes the
 * SDK's own, see {@link OrtTrain}): the knobs that matter on a small CPU machine. The rest is
 * fixed: all graph optimisations, sequential execution, the CPU arena without the memory pattern (as the SDK's
 * Trainer runs), deterministic compute off.
 *
 * @param intraOpThreads threads inside an operator (the core count)
 * @param spinning whether idle pool threads spin (ONNX Runtime's default) or sleep at once
 */
public record OrtSettings(int intraOpThreads, boolean spinning) {

    /**
     * The settings for {@code threads} cores, with idle threads sleeping at once so that they leave the cores to
     * whatever runs next.
     */
    public static OrtSettings tuned(int threads) {
        return new OrtSettings(threads, false);
    }

    /** The same settings with idle pool threads spinning or not. */
    public OrtSettings withSpinning(boolean spin) {
        return new OrtSettings(intraOpThreads, spin);
    }

    /** A new SessionOptions object with these settings. */
    public SessionOptions options() throws OrtException {
        SessionOptions o = new SessionOptions();
        o.setOptimizationLevel(OptLevel.ALL_OPT);
        o.setExecutionMode(ExecutionMode.SEQUENTIAL);
        o.setIntraOpNumThreads(intraOpThreads);
        o.setInterOpNumThreads(1);
        o.setMemoryPatternOptimization(false);
        o.setCPUArenaAllocator(true);
        o.setDeterministicCompute(false);
        o.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
        return o;
    }

    /** The settings as a JSON-ready map. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("intra_op_threads", intraOpThreads);
        m.put("inter_op_threads", 1);
        m.put("execution_mode", "sequential");
        m.put("optimization_level", "all");
        m.put("allow_spinning", spinning);
        m.put("deterministic", false);
        m.put("memory_pattern", false);
        return m;
    }
}
