package ai.superclip.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Metrics of one run under stable dotted keys, written as nested JSON ({@code zeroshot.shapes.top1} becomes
 * {@code {"zeroshot":{"shapes":{"top1":…}}}}, keys sorted) and read back.
 *
 * <p>Keys written by the helpers ({@code <d>} is the dataset name):
 * <ul>
 *   <li>{@code zeroshot.<d>.top1}, {@code .top5}, {@code .mean_per_class_recall}, {@code .chance} (1/C)</li>
 *   <li>{@code retrieval.<d>.i2t_r<K>} and {@code .t2i_r<K>} for every evaluated K,
 *       {@code .i2t_mean_rank}, {@code .i2t_median_rank}, {@code .t2i_mean_rank}, {@code .t2i_median_rank},
 *       {@code .chance_r1} (text→image chance R@1 = 1/N_images) and {@code .i2t_chance_r1}
 *       (image→text chance R@1, see {@link Retrieval})</li>
 *   <li>{@code linear_probe.<d>.top1}, {@code .top5}, {@code .mean_per_class_recall}, {@code .chance},
 *       {@code .penalty}</li>
 *   <li>{@code train.steps}, {@code train.seconds}, {@code train.final_loss}</li>
 *   <li>{@code zeroshot.<d>.agreement_top1}: the share of samples whose top-1 class equals another model's on the
 *       same data ({@link #putAgreement})</li>
 * </ul>
 * Key segments are non-empty and contain no dot; a key cannot also be the prefix of another key.
 */
public final class EvalReport {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private static final Set<String> NON_FINITE = Set.of("NaN", "Infinity", "-Infinity");

    private final SortedMap<String, Number> metrics = new TreeMap<>();
    /** Each zero-shot dataset's per-sample top-1 classes, for {@link #putAgreement}; not written to JSON. */
    private final Map<String, int[]> zeroShotPredictions = new TreeMap<>();

    /**
     * Records one metric; integral counts (e.g. steps) should be passed as {@code long} to stay integers in
     * JSON. Replaces an earlier value under the same key.
     *
     * @throws IllegalArgumentException for a malformed key or one that collides with an existing key's path
     */
    public EvalReport put(String key, Number value) {
        String[] segments = key.split("\\.", -1);
        for (String segment : segments) {
            if (segment.isEmpty()) {
                throw new IllegalArgumentException("empty segment in metric key '" + key + "'");
            }
        }
        for (String existing : metrics.keySet()) {
            if (existing.startsWith(key + ".") || key.startsWith(existing + ".")) {
                throw new IllegalArgumentException("metric key '" + key + "' collides with '" + existing + "'");
            }
        }
        metrics.put(key, value);
        return this;
    }

    /** Zero-shot classification metrics of one dataset. */
    public EvalReport putZeroShot(String dataset, ClassificationMetrics m) {
        zeroShotPredictions.put(dataset, m.predicted());
        String prefix = prefix("zeroshot", dataset);
        put(prefix + "top1", m.top1());
        put(prefix + "top5", m.top5());
        put(prefix + "mean_per_class_recall", m.meanPerClassRecall());
        return put(prefix + "chance", m.chance());
    }

    /**
     * For every zero-shot dataset of this report, the share of samples whose top-1 class equals the one in
     * {@code other}, a report of another model on the same data (e.g. an int8 export against its float32
     * original): {@code zeroshot.<d>.agreement_top1}.
     *
     * @throws IllegalArgumentException when {@code other} lacks a dataset or saw a different number of samples
     */
    public EvalReport putAgreement(EvalReport other) {
        for (Map.Entry<String, int[]> e : zeroShotPredictions.entrySet()) {
            int[] ours = e.getValue();
            int[] theirs = other.zeroShotPredictions.get(e.getKey());
            if (theirs == null || theirs.length != ours.length) {
                throw new IllegalArgumentException("the other report has no zero-shot predictions for " + e.getKey()
                        + (theirs == null ? "" : " over " + ours.length + " samples (it has " + theirs.length + ")"));
            }
            int same = 0;
            for (int i = 0; i < ours.length; i++) {
                same += ours[i] == theirs[i] ? 1 : 0;
            }
            put(prefix("zeroshot", e.getKey()) + "agreement_top1", (double) same / ours.length);
        }
        return this;
    }

    /** Retrieval metrics of one dataset, both directions. */
    public EvalReport putRetrieval(String dataset, Retrieval.RetrievalMetrics m) {
        String prefix = prefix("retrieval", dataset);
        putDirection(prefix + "i2t_", m.imageToText());
        putDirection(prefix + "t2i_", m.textToImage());
        put(prefix + "chance_r1", m.textToImage().chanceAt(1));
        return put(prefix + "i2t_chance_r1", m.imageToText().chanceAt(1));
    }

    /** Linear-probe test metrics and the chosen penalty of one dataset. */
    public EvalReport putLinearProbe(String dataset, LinearProbe.Result result) {
        String prefix = prefix("linear_probe", dataset);
        put(prefix + "top1", result.test().top1());
        put(prefix + "top5", result.test().top5());
        put(prefix + "mean_per_class_recall", result.test().meanPerClassRecall());
        put(prefix + "chance", result.test().chance());
        return put(prefix + "penalty", result.penalty());
    }

    /** Training summary: optimiser steps, wall-clock seconds, last loss. */
    public EvalReport putTraining(long steps, double seconds, double finalLoss) {
        put("train.steps", steps);
        put("train.seconds", seconds);
        return put("train.final_loss", finalLoss);
    }

    /** All metrics, sorted by key (read-only). */
    public SortedMap<String, Number> metrics() {
        return Collections.unmodifiableSortedMap(metrics);
    }

    /** The nested JSON tree. */
    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        for (Map.Entry<String, Number> e : metrics.entrySet()) {
            String[] segments = e.getKey().split("\\.");
            ObjectNode node = root;
            for (int i = 0; i < segments.length - 1; i++) {
                node = node.has(segments[i]) ? (ObjectNode) node.get(segments[i]) : node.putObject(segments[i]);
            }
            String leaf = segments[segments.length - 1];
            Number value = e.getValue();
            if (value instanceof Long || value instanceof Integer) {
                node.put(leaf, value.longValue());
            } else {
                node.put(leaf, value.doubleValue());
            }
        }
        return root;
    }

    /** Writes {@link #toJson()} to {@code file}, creating parent directories. */
    public void writeJson(Path file) throws IOException {
        createParent(file);
        JSON.writeValue(file.toFile(), toJson());
    }

    /** Reads a report written by {@link #writeJson}. */
    public static EvalReport readJson(Path file) throws IOException {
        EvalReport report = new EvalReport();
        flatten("", JSON.readTree(file.toFile()), report);
        return report;
    }

    private static void flatten(String prefix, JsonNode node, EvalReport into) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                flatten(prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue(), into);
            }
        } else if (node.isIntegralNumber()) {
            into.put(prefix, node.longValue());
        } else if (node.isNumber() || NON_FINITE.contains(node.asText())) {
            into.put(prefix, Double.parseDouble(node.asText())); // Jackson writes NaN and ±Infinity as strings
        } else {
            throw new IllegalArgumentException("metric '" + prefix + "' is not a number: " + node);
        }
    }

    /** {@code section.dataset.}, rejecting dataset names that would add key levels. */
    private static String prefix(String section, String dataset) {
        if (dataset.isEmpty() || dataset.contains(".")) {
            throw new IllegalArgumentException("dataset name must be non-empty and contain no '.': '" + dataset + "'");
        }
        return section + "." + dataset + ".";
    }

    private void putDirection(String prefix, Retrieval.Direction direction) {
        for (int k : direction.ks()) {
            put(prefix + "r" + k, direction.recallAt(k));
        }
        put(prefix + "mean_rank", direction.meanRank());
        put(prefix + "median_rank", direction.medianRank());
    }

    static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }
}
