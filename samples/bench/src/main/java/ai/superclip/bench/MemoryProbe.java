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
import ai.superclip.train.StepMetrics;
import ai.superclip.train.TrainingConfig;
import ai.superclip.train.TrainingListener;
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

    /**
     * Child entry point: {@code preset batch steps threads dir}; prints {@code key=bytes} lines: the JVM's resident
     * set before training ({@code baseline_rss_bytes}), the peak up to the last step's end, before the final
     * checkpoint is written ({@code steps_peak_rss_bytes}), and the run's peak ({@code peak_rss_bytes}).
     */
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
        long baseline = status("VmRSS:");
        long[] stepsPeak = {-1};
        try (Trainer trainer = Trainer.create(config, data)) {
            trainer.addListener(new TrainingListener() {
                @Override
                public void onStep(StepMetrics metrics) {
                    stepsPeak[0] = peakRss();
                }
            });
            trainer.train();
        }
        System.out.println("baseline_rss_bytes=" + baseline);
        System.out.println("steps_peak_rss_bytes=" + stepsPeak[0]);
        System.out.println("peak_rss_bytes=" + peakRss());
    }

    /** This process's peak resident set (VmHWM), in bytes; -1 where /proc is missing. */
    public static long peakRss() {
        return status("VmHWM:");
    }

    /** A size line of /proc/self/status (e.g. {@code VmRSS:}) in bytes; -1 where /proc is missing. */
    private static long status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Runs the probe in a child JVM with this JVM's class path and returns what it printed ({@code key → bytes}),
     * {@code peak_rss_bytes} among them.
     */
    public static Map<String, Long> runChild(String preset, int batch, int steps, int threads, Path dir)
            throws Exception {
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
        Map<String, Long> printed = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq < 0 || !line.substring(0, eq).endsWith("_bytes")) {
                continue;
            }
            printed.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1).trim()));
        }
        if (rc != 0 || !printed.containsKey("peak_rss_bytes")) {
            throw new IllegalStateException("memory probe failed (exit " + rc + "): "
                    + out.lines().reduce("", (a, b) -> b));
        }
        return printed;
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
