package ai.superclip.bench;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.ExecutionMode;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ONNX Runtime session settings a benchmark runs with: the knobs that matter on a small CPU machine.
 *
 * @param intraOpThreads threads inside an operator (the core count)
 * @param spinning whether idle pool threads spin (ONNX Runtime's default) or sleep at once
 * @param deterministic deterministic kernels (the SDK's Trainer asks for them)
 * @param memoryPattern pre-planned activation memory for repeated shapes
 * @param profile a file prefix to write ONNX Runtime's profile to, or null
 */
public record OrtSettings(int intraOpThreads, boolean spinning, boolean deterministic, boolean memoryPattern,
        String profile) {

    /**
     * The settings for {@code threads} cores, as the Trainer's session has them (no memory pattern), with idle threads
     * sleeping at once so that they leave the cores to whatever runs next.
     */
    public static OrtSettings tuned(int threads) {
        return new OrtSettings(threads, false, false, false, null);
    }

    /** The same settings writing a profile under {@code prefix}. */
    public OrtSettings withProfile(String prefix) {
        return new OrtSettings(intraOpThreads, spinning, deterministic, memoryPattern, prefix);
    }

    /** The same settings with idle pool threads spinning or not. */
    public OrtSettings withSpinning(boolean spin) {
        return new OrtSettings(intraOpThreads, spin, deterministic, memoryPattern, profile);
    }

    /** A new SessionOptions object with these settings. */
    public SessionOptions options() throws OrtException {
        SessionOptions o = new SessionOptions();
        o.setOptimizationLevel(OptLevel.ALL_OPT);
        o.setExecutionMode(ExecutionMode.SEQUENTIAL);
        o.setIntraOpNumThreads(intraOpThreads);
        o.setInterOpNumThreads(1);
        o.setMemoryPatternOptimization(memoryPattern);
        o.setCPUArenaAllocator(true);
        o.setDeterministicCompute(deterministic);
        o.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
        if (profile != null) {
            o.enableProfiling(profile);
        }
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
        m.put("deterministic", deterministic);
        m.put("memory_pattern", memoryPattern);
        return m;
    }
}
