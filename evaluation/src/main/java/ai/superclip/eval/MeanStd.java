package ai.superclip.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Mean and sample standard deviation (divisor n − 1; 0 for a single value) of a metric over runs, e.g.
 * seeds.
 *
 * @param mean arithmetic mean
 * @param std sample standard deviation
 * @param n number of values
 */
public record MeanStd(double mean, double std, int n) {

    /** Aggregates the given values. */
    public static MeanStd of(double... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double mean = 0;
        for (double v : values) {
            mean += v / values.length;
        }
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        double std = values.length == 1 ? 0 : Math.sqrt(squares / (values.length - 1));
        return new MeanStd(mean, std, values.length);
    }

    /**
     * Aggregates every metric key over several reports (one per seed); a key missing from some reports is
     * aggregated over those that have it, which {@link #n} shows.
     */
    public static SortedMap<String, MeanStd> across(List<EvalReport> reports) {
        SortedMap<String, List<Double>> values = new TreeMap<>();
        for (EvalReport report : reports) {
            for (Map.Entry<String, Number> e : report.metrics().entrySet()) {
                values.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue().doubleValue());
            }
        }
        SortedMap<String, MeanStd> out = new TreeMap<>();
        values.forEach((key, list) -> out.put(key, of(list.stream().mapToDouble(Double::doubleValue).toArray())));
        return out;
    }

    /** {@code "mean ± std"} with four decimals. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.4f ± %.4f", mean, std);
    }
}
