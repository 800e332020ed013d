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

/** Reads ONNX Runtime's profiler JSON: kernel time per operator type. */
public final class OrtProfile {
    private OrtProfile() {
    }

    /**
     * The {@code top} operator types by total kernel time over the profile's runs, each with its share of all
     * kernel time (in a map: op → {ms, share, calls}).
     *
     * @param runs how many steps the profile holds, to report time per step
     */
    public static Map<String, Map<String, Object>> topOps(Path profile, int top, int runs) throws IOException {
        JsonNode root = new ObjectMapper().readTree(profile.toFile());
        Map<String, long[]> byOp = new HashMap<>();
        long total = 0;
        for (JsonNode e : root) {
            if (!"Node".equals(e.path("cat").asText()) || !e.path("name").asText().endsWith("_kernel_time")) {
                continue;
            }
            String op = e.path("args").path("op_name").asText("?");
            long dur = e.path("dur").asLong();
            long[] acc = byOp.computeIfAbsent(op, k -> new long[2]);
            acc[0] += dur;
            acc[1]++;
            total += dur;
        }
        List<Map.Entry<String, long[]>> sorted = new ArrayList<>(byOp.entrySet());
        sorted.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (var e : sorted.subList(0, Math.min(top, sorted.size()))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ms_per_step", Stats.round(e.getValue()[0] / 1000.0 / runs));
            m.put("share", Stats.round((double) e.getValue()[0] / total));
            m.put("calls_per_step", e.getValue()[1] / runs);
            out.put(e.getKey(), m);
        }
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("ms_per_step", Stats.round(total / 1000.0 / runs));
        out.put("(all kernels)", all);
        return out;
    }
}
