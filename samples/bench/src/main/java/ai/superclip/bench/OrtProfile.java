package ai.superclip.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads ONNX Runtime's profiler JSON: kernel time per operator type over the steady-state runs. The session's first
 * run is a warm-up (the arena grows, pages fault in: measured 2.6x a later run) and is left out.
 */
public final class OrtProfile {
    /** The operator types whose achieved GFLOP/s is reported, from their events' shapes. */
    static final Set<String> MATRIX_PRODUCTS = Set.of("Gemm", "MatMul", "FusedMatMul");

    private OrtProfile() {
    }

    /** Time, calls and multiply-add FLOPs summed over one operator type's kernel events. */
    private static final class OpTotals {
        long micros;
        long calls;
        double flops;
        long flopMicros;
    }

    /**
     * The profile's runs after the first: their count ({@code runs}), the warm-up's and each counted run's wall time
     * ({@code warmup_model_run_ms}, {@code model_run_ms}), and the {@code top} operator types by kernel time in
     * {@code top_ops} (op → {ms_per_step, share, calls_per_step}, with {@code gflops} for {@link #MATRIX_PRODUCTS}),
     * then "(all kernels)".
     */
    public static Map<String, Object> steadyState(Path profile, int top) throws IOException {
        JsonNode root = new ObjectMapper().readTree(profile.toFile());
        List<JsonNode> modelRuns = new ArrayList<>();
        for (JsonNode e : root) {
            if ("Session".equals(e.path("cat").asText()) && "model_run".equals(e.path("name").asText())) {
                modelRuns.add(e);
            }
        }
        if (modelRuns.size() < 2) {
            throw new IOException(profile + " holds " + modelRuns.size()
                    + " model_run events: a warm-up run and at least one more are needed");
        }
        modelRuns.sort((a, b) -> Long.compare(a.path("ts").asLong(), b.path("ts").asLong()));
        long cut = modelRuns.get(1).path("ts").asLong();
        int runs = modelRuns.size() - 1;
        Map<String, OpTotals> byOp = new HashMap<>();
        long total = 0;
        for (JsonNode e : root) {
            if (!"Node".equals(e.path("cat").asText()) || !e.path("name").asText().endsWith("_kernel_time")
                    || e.path("ts").asLong() < cut) {
                continue;
            }
            String op = e.path("args").path("op_name").asText("?");
            long dur = e.path("dur").asLong();
            OpTotals acc = byOp.computeIfAbsent(op, k -> new OpTotals());
            acc.micros += dur;
            acc.calls++;
            total += dur;
            if (MATRIX_PRODUCTS.contains(op)) {
                double flops = matrixProductFlops(e.path("args"));
                if (flops > 0) {
                    acc.flops += flops;
                    acc.flopMicros += dur;
                }
            }
        }
        List<Map.Entry<String, OpTotals>> sorted = new ArrayList<>(byOp.entrySet());
        sorted.sort((a, b) -> Long.compare(b.getValue().micros, a.getValue().micros));
        Map<String, Map<String, Object>> ops = new LinkedHashMap<>();
        for (var e : sorted.subList(0, Math.min(top, sorted.size()))) {
            OpTotals t = e.getValue();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ms_per_step", Stats.round(t.micros / 1000.0 / runs));
            m.put("share", Stats.round((double) t.micros / total));
            m.put("calls_per_step", Stats.round((double) t.calls / runs));
            if (t.flopMicros > 0) {
                m.put("gflops", Stats.round(t.flops / t.flopMicros / 1e3));
            }
            ops.put(e.getKey(), m);
        }
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("ms_per_step", Stats.round(total / 1000.0 / runs));
        ops.put("(all kernels)", all);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("runs", runs);
        out.put("warmup_model_run_ms", Stats.round(modelRuns.get(0).path("dur").asLong() / 1000.0));
        out.put("model_run_ms", modelRuns.subList(1, modelRuns.size()).stream()
                .map(r -> Stats.round(r.path("dur").asLong() / 1000.0)).toList());
        out.put("top_ops", ops);
        return out;
    }

    /**
     * The FLOPs of a Gemm, MatMul or FusedMatMul event (2 per multiply-add) from its {@code args}' shapes, or 0
     * where they are missing. The output is [..., M, N] and A's last two dims are M and K in either order (A stored
     * [M, K] or transposed [K, M]), so K = A's last two dims' product / M, whatever A's batch dims or their
     * broadcasting. A 1-D A is [K] (M = 1); with a 1-D B the output is [..., M].
     */
    static double matrixProductFlops(JsonNode args) {
        long[] a = shape(args.path("input_type_shape").path(0));
        long[] b = shape(args.path("input_type_shape").path(1));
        long[] y = shape(args.path("output_type_shape").path(0));
        if (a == null || b == null || y == null || a.length == 0 || b.length == 0) {
            return 0;
        }
        long k;
        if (a.length == 1) {
            k = a[0];
        } else {
            int mAxis = b.length == 1 ? y.length - 1 : y.length - 2;
            if (mAxis < 0 || y[mAxis] == 0) {
                return 0;
            }
            k = a[a.length - 2] * a[a.length - 1] / y[mAxis];
        }
        return 2.0 * elements(y) * k;
    }

    /** The dims of a single-entry map {type: [dims]}, or null where there is none. */
    private static long[] shape(JsonNode typed) {
        if (!typed.isObject() || typed.size() != 1) {
            return null;
        }
        JsonNode dims = typed.elements().next();
        if (!dims.isArray()) {
            return null;
        }
        long[] out = new long[dims.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = dims.get(i).asLong();
        }
        return out;
    }

    private static long elements(long[] dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }
}
