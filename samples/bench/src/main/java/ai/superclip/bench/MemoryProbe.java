package ai.superclip.bench;

import ai.superclip.data.SyntheticScenes;
import ai.superclip.graph.DType;
import ai.superclip.graph.Node;
import ai.superclip.graph.Op;
import ai.superclip.graph.Value;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.ModelCost;
import ai.superclip.model.Presets;
import ai.superclip.model.SuperClipModel;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Peak resident memory of a real training run (the SDK's Trainer over synthetic scenes), measured in a child JVM
 * of its own so that the benchmark's other work does not count, and the memory the run needs as counted:
 * parameters, their gradients and AdamW's two moments, and the forward activations of one batch.
 */
public final class MemoryProbe {
    /** Operators whose output aliases or describes their input: no activation memory of their own. */
    private static final Set<Op> VIEWS = EnumSet.of(Op.RESHAPE, Op.SQUEEZE, Op.UNSQUEEZE, Op.SHAPE, Op.SIZE,
            Op.IDENTITY);

    private MemoryProbe() {
    }

    /** Child entry point: {@code preset batch steps threads dir}; prints {@code peak_rss_bytes=N}. */
    public static void main(String[] args) throws Exception {
        String preset = args[0];
        int batch = Integer.parseInt(args[1]);
        int steps = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        Path dir = Path.of(args[4]);
        int images = Math.max(batch * 2, 64);
        var data = SyntheticScenes.builder().seed(1).count(images).imageSize(Presets.get(preset).vision().imageSize())
                .build();
        TrainingConfig config = TrainingConfig.builder(preset).batchSize(batch).steps(steps).threads(threads)
                .checkpointEvery(0).logEvery(1000).output(dir).build();
        try (Trainer trainer = Trainer.create(config, data)) {
            trainer.train();
        }
        System.out.println("peak_rss_bytes=" + peakRss());
    }

    /** This process's peak resident set (VmHWM), in bytes; -1 where /proc is missing. */
    public static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Runs the probe in a child JVM with this JVM's class path and returns its peak RSS in bytes.
     */
    public static long runChild(String preset, int batch, int steps, int threads, Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx2g", "-cp", System.getProperty("java.class.path"),
                propertyArg("superclip.native.cache"), propertyArg("ai.djl.offline"),
                MemoryProbe.class.getName(), preset, Integer.toString(batch), Integer.toString(steps),
                Integer.toString(threads), dir.toString());
        pb.command().removeIf(String::isEmpty);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        int rc = p.waitFor();
        for (String line : out.split("\n")) {
            if (line.startsWith("peak_rss_bytes=")) {
                return Long.parseLong(line.substring("peak_rss_bytes=".length()).trim());
            }
        }
        throw new IllegalStateException("memory probe failed (exit " + rc + "): " + out.lines().reduce("", (a, b) -> b));
    }

    private static String propertyArg(String name) {
        String v = System.getProperty(name);
        return v == null ? "" : "-D" + name + "=" + v;
    }

    /** The counted memory of training {@code config} at batch {@code batch}, in bytes, by part. */
    public static Map<String, Long> counted(ModelConfig config, int batch) {
        long params = ModelCost.of(config).totalParameters();
        SuperClipModel.Training t = SuperClipModel.training(config);
        long activations = 0;
        for (Node n : t.graph().nodes()) {
            if (VIEWS.contains(n.op())) {
                continue;
            }
            for (Value v : n.outputs()) {
                long elements = 1;
                for (long d : v.shape()) {
                    elements *= d < 0 ? batch : d;
                }
                activations += elements * (v.dtype() == DType.INT64 ? 8 : v.dtype() == DType.BOOL ? 1 : 4);
            }
        }
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("parameters_bytes", params * 4);
        m.put("gradients_bytes", params * 4);
        m.put("adamw_moments_bytes", params * 8);
        m.put("activations_bytes", activations);
        m.put("total_bytes", params * 16 + activations);
        return m;
    }
}
