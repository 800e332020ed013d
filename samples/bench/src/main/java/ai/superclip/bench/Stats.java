package ai.superclip.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Summary of repeated timings in milliseconds: median, quartiles and extremes.
 *
 * @param samples every measured value, in measurement order
 */
public record Stats(double median, double q1, double q3, double min, double max, double[] samples) {

    /** Summarises {@code values} (at least one). */
    public static Stats of(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        double[] s = values.clone();
        Arrays.sort(s);
        return new Stats(quantile(s, 0.5), quantile(s, 0.25), quantile(s, 0.75), s[0], s[s.length - 1], values.clone());
    }

    /**
     * The median over rounds of {@code a}'s time over {@code b}'s in the same round: a paired comparison of two tasks
     * measured in alternation, which cancels the machine's drift between rounds.
     */
    public static double pairedRatio(Stats a, Stats b) {
        if (a.samples.length != b.samples.length) {
            throw new IllegalArgumentException("unpaired samples: " + a.samples.length + " vs " + b.samples.length);
        }
        double[] r = new double[a.samples.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.samples[i] / b.samples[i];
        }
        Arrays.sort(r);
        return quantile(r, 0.5);
    }

    /** Linear-interpolated quantile of sorted values. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** The figures as a JSON-ready map (milliseconds). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median_ms", round(median));
        m.put("q1_ms", round(q1));
        m.put("q3_ms", round(q3));
        m.put("min_ms", round(min));
        m.put("max_ms", round(max));
        m.put("n", samples.length);
        return m;
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
