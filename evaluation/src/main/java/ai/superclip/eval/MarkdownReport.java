package ai.superclip.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Markdown reports with tables.
 *
 * <p>{@link #of} makes one section per top-level key ({@code zeroshot}, {@code retrieval}, …). A section whose
 * keys are {@code section.metric} is a two-column table; otherwise it is pivoted with one row per middle part
 * (the dataset) and one column per last segment (the metric), "–" marking a missing cell.
 */
public final class MarkdownReport {

    private MarkdownReport() {
    }

    /** The report of one run. */
    public static String of(String title, EvalReport report) {
        SortedMap<String, String> cells = new TreeMap<>();
        report.metrics().forEach((key, value) -> cells.put(key, format(value)));
        return "# " + title + "\n" + sections(cells);
    }

    /** The report of several runs aggregated by {@link MeanStd#across}, cells {@code mean ± std}. */
    public static String ofMeanStd(String title, SortedMap<String, MeanStd> aggregated) {
        SortedMap<String, String> cells = new TreeMap<>();
        aggregated.forEach((key, value) -> cells.put(key, value.toString()));
        return "# " + title + "\n" + sections(cells);
    }

    /**
     * One table comparing models (e.g. CLIP vs SuperCLIP) per metric: a row per key present in any model, a
     * column per model in map order, cells {@code mean ± std}.
     */
    public static String comparison(String title, Map<String, SortedMap<String, MeanStd>> byModel) {
        SortedSet<String> keys = new TreeSet<>();
        byModel.values().forEach(m -> keys.addAll(m.keySet()));
        List<String> header = new ArrayList<>(List.of("metric"));
        header.addAll(byModel.keySet());
        List<List<String>> rows = new ArrayList<>();
        for (String key : keys) {
            List<String> row = new ArrayList<>(List.of(key));
            byModel.values().forEach(m -> row.add(m.containsKey(key) ? m.get(key).toString() : "–"));
            rows.add(row);
        }
        return "# " + title + "\n\n" + table(header, rows);
    }

    /** Writes {@code markdown} to {@code file} as UTF-8, creating parent directories. */
    public static void write(Path file, String markdown) throws IOException {
        EvalReport.createParent(file);
        Files.writeString(file, markdown);
    }

    private static String sections(SortedMap<String, String> cells) {
        SortedMap<String, SortedMap<String, String>> bySection = new TreeMap<>();
        cells.forEach((key, cell) -> {
            int dot = key.indexOf('.');
            String section = dot < 0 ? "" : key.substring(0, dot);
            bySection.computeIfAbsent(section, s -> new TreeMap<>()).put(key.substring(dot + 1), cell);
        });
        StringBuilder out = new StringBuilder();
        bySection.forEach((section, rest) -> {
            out.append("\n## ").append(section.isEmpty() ? "other" : section).append("\n\n");
            boolean flat = rest.keySet().stream().noneMatch(k -> k.contains("."));
            out.append(flat ? keyValueTable(rest) : pivotTable(rest));
        });
        return out.toString();
    }

    private static String keyValueTable(SortedMap<String, String> cells) {
        List<List<String>> rows = new ArrayList<>();
        cells.forEach((key, cell) -> rows.add(List.of(key, cell)));
        return table(List.of("metric", "value"), rows);
    }

    private static String pivotTable(SortedMap<String, String> cells) {
        SortedMap<String, SortedMap<String, String>> byRow = new TreeMap<>();
        SortedSet<String> columns = new TreeSet<>();
        cells.forEach((key, cell) -> {
            int dot = key.lastIndexOf('.');
            String row = dot < 0 ? "" : key.substring(0, dot);
            String column = key.substring(dot + 1);
            byRow.computeIfAbsent(row, r -> new TreeMap<>()).put(column, cell);
            columns.add(column);
        });
        List<String> header = new ArrayList<>(List.of("dataset"));
        header.addAll(columns);
        List<List<String>> rows = new ArrayList<>();
        byRow.forEach((row, values) -> {
            List<String> line = new ArrayList<>(List.of(row));
            columns.forEach(c -> line.add(values.getOrDefault(c, "–")));
            rows.add(line);
        });
        return table(header, rows);
    }

    private static String table(List<String> header, List<List<String>> rows) {
        StringBuilder out = new StringBuilder();
        out.append(line(header));
        out.append(line(header.stream().map(h -> "---").toList()));
        rows.forEach(row -> out.append(line(row)));
        return out.toString();
    }

    private static String line(List<String> cells) {
        return "| " + String.join(" | ", cells) + " |\n";
    }

    private static String format(Number value) {
        if (value instanceof Long || value instanceof Integer) {
            return value.toString();
        }
        return String.format(Locale.ROOT, "%.4f", value.doubleValue());
    }
}
