package ai.superclip.experiments;

import static ai.superclip.experiments.Experiments.compare;
import static ai.superclip.experiments.Experiments.format;
import static ai.superclip.experiments.Experiments.shortName;
import static ai.superclip.experiments.Experiments.tally;
import static ai.superclip.experiments.Experiments.verdict;

import ai.superclip.eval.MeanStd;
import ai.superclip.eval.Plots;
import ai.superclip.model.ModelConfig;
import ai.superclip.train.TrainingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;

/**
 * The paper-claim experiments, in report order. Each names its variants (the runs it compares), and writes its
 * report section's charts and verdicts and its line of the summary; {@link Experiments} trains, aggregates and
 * frames them.
 */
public enum Experiment {
    /** CLIP vs SuperCLIP at equal steps and batch. */
    CLIP_VS_SUPERCLIP("clip-vs-superclip", "(a) CLIP vs SuperCLIP at equal steps and batch") {
        @Override
        List<Variant> variants(Budget b) {
            return List.of(new Variant("CLIP", CLIP, 1, ONLINE, b.batchSize(), b.steps()),
                    new Variant("SuperCLIP", SUPERCLIP, 1, ONLINE, b.batchSize(), b.steps()));
        }

        @Override
        String discussion(Runs runs, Path out, List<String> charts) throws IOException {
            bars(runs, out, charts, "CLIP vs SuperCLIP (mean ± std over seeds)", BAR_METRICS);
            Map<String, Plots.Series> loss = new LinkedHashMap<>();
            runs.curves().forEach((label, terms) -> terms.forEach((term, series) -> loss.put(label + " " + term, series)));
            if (!loss.isEmpty()) {
                Plots.lossCurves(out.resolve(id + "-loss.png"), "Training loss per term (mean over seeds)", loss);
                charts.add(id + "-loss.png");
            }
            return verdict(runs.byVariant(), "SuperCLIP", "CLIP");
        }

        @Override
        String summary(Map<String, SortedMap<String, MeanStd>> v) {
            return "- **(a) CLIP vs SuperCLIP**, equal steps and batch: " + tally(v.get("SuperCLIP"), v.get("CLIP"))
                    + " Attribute mean top-1: SuperCLIP " + format(at(v, "SuperCLIP", SUMMARY)) + ", CLIP "
                    + format(at(v, "CLIP", SUMMARY)) + "; rare shapes and colours: SuperCLIP "
                    + format(at(v, "SuperCLIP", TAIL)) + ", CLIP " + format(at(v, "CLIP", TAIL)) + ".\n";
        }
    },

    /**
     * Both losses at the budget's batch sizes with equal samples seen (steps = samples / batch), and the smaller
     * batches also at the largest one's step count (equal steps, so fewer samples).
     */
    BATCH_SIZE("batch-size", "(b) Batch size at equal samples and at equal steps") {
        @Override
        List<Variant> variants(Budget b) {
            List<Variant> out = new ArrayList<>();
            for (ModelConfig.Loss loss : List.of(CLIP, SUPERCLIP)) {
                for (int size : b.batchSizes()) {
                    int steps = (int) Math.max(1, Math.round((double) b.samples() / size));
                    out.add(new Variant(label(loss) + " b" + size, loss, 1, ONLINE, size, steps));
                }
            }
            int largest = b.batchSizes().stream().max(Comparator.naturalOrder()).orElseThrow();
            int largestSteps = (int) Math.max(1, Math.round((double) b.samples() / largest));
            for (ModelConfig.Loss loss : List.of(CLIP, SUPERCLIP)) {
                for (int size : b.batchSizes()) {
                    if (size < largest) {
                        out.add(new Variant(label(loss) + " b" + size + EQUAL_STEPS, loss, 1, ONLINE, size,
                                largestSteps));
                    }
                }
            }
            return out;
        }

        @Override
        String discussion(Runs runs, Path out, List<String> charts) throws IOException {
            List<Integer> sizes = runs.budget().batchSizes();
            int largest = sizes.stream().max(Comparator.naturalOrder()).orElseThrow();
            for (String suffix : List.of("", EQUAL_STEPS)) {
                for (String metric : List.of(SUMMARY, TAIL, "zeroshot.scenes-compositional.top1",
                        "retrieval.scenes.t2i_r10")) {
                    Map<String, Plots.Series> series = new LinkedHashMap<>();
                    for (String loss : List.of("CLIP", "SuperCLIP")) {
                        List<double[]> points = new ArrayList<>();
                        for (int size : sizes) {
                            MeanStd ms = at(runs.byVariant(), loss + " b" + size + (size == largest ? "" : suffix),
                                    metric);
                            if (ms != null) {
                                points.add(new double[] {size, ms.mean(), ms.std()});
                            }
                        }
                        if (!points.isEmpty()) {
                            series.put(loss, new Plots.Series(points.stream().mapToDouble(p -> p[0]).toArray(),
                                    points.stream().mapToDouble(p -> p[1]).toArray(),
                                    points.stream().mapToDouble(p -> p[2]).toArray()));
                        }
                    }
                    if (series.isEmpty()) {
                        continue;
                    }
                    String png = id + (suffix.isEmpty() ? "" : "-equal-steps") + "-" + metric.replace('.', '_')
                            + ".png";
                    Plots.accuracyVsBatchSize(out.resolve(png), metric + (suffix.isEmpty() ? " (equal samples)"
                            : " (equal steps)"), series);
                    charts.add(png);
                }
            }
            Map<String, Plots.Series> loss = new LinkedHashMap<>();
            for (Variant v : runs.variants()) {
                Plots.Series s = runs.curves().getOrDefault(v.label(), Map.of()).get("clip_loss");
                if (s == null || v.label().endsWith(EQUAL_STEPS)) {
                    continue;
                }
                // samples seen on x; the contrastive loss starts at ln(batch): normalise to compare batch sizes
                double[] x = Arrays.stream(s.x()).map(step -> step * v.batchSize()).toArray();
                double[] y = Arrays.stream(s.y()).map(l -> l / Math.log(v.batchSize())).toArray();
                loss.put(v.label(), Plots.Series.of(x, y));
            }
            if (!loss.isEmpty()) {
                Plots.lines(out.resolve(id + "-clip-loss.png"), "Contrastive loss / ln(batch) vs samples seen",
                        "samples seen", "clip_loss / ln(batch)", loss, false);
                charts.add(id + "-clip-loss.png");
            }
            return batchVerdict(sizes, runs.byVariant(), "") + batchVerdict(sizes, runs.byVariant(), EQUAL_STEPS)
                    + "\nThe paper's claim: SuperCLIP loses much less than CLIP as the batch shrinks, since its "
                    + "classification term needs no negatives.\n";
        }

        /** What each loss loses when the batch shrinks from the largest size to the smallest. */
        private String batchVerdict(List<Integer> sizes, Map<String, SortedMap<String, MeanStd>> byVariant,
                                    String suffix) {
            int small = sizes.stream().min(Comparator.naturalOrder()).orElseThrow();
            int large = sizes.stream().max(Comparator.naturalOrder()).orElseThrow();
            StringBuilder md = new StringBuilder("\n**What each loss loses when the batch shrinks from " + large
                    + " to " + small + (suffix.isEmpty() ? ", equal samples seen" : ", equal steps") + "** (score at "
                    + "batch " + small + " minus score at batch " + large + "):\n");
            for (String key : List.of(SUMMARY, TAIL, "zeroshot.scenes-compositional.top1", "retrieval.scenes.t2i_r10")) {
                md.append("- ").append(shortName(key)).append(':');
                for (String loss : List.of("CLIP", "SuperCLIP")) {
                    MeanStd s = at(byVariant, loss + " b" + small + suffix, key);
                    MeanStd l = at(byVariant, loss + " b" + large, key);
                    md.append(' ').append(loss).append(' ').append(s == null || l == null || s.n() < 2 || l.n() < 2
                            ? "fewer than two seeds" : compare(s, l).replace("→ better", "→ the small batch is better")
                            .replace("→ worse", "→ the small batch is worse")).append(';');
                }
                md.setLength(md.length() - 1);
                md.append('\n');
            }
            return md.toString();
        }

        @Override
        String summary(Map<String, SortedMap<String, MeanStd>> v) {
            List<String> sizes = v.keySet().stream().filter(l -> l.startsWith("CLIP b") && !l.endsWith(EQUAL_STEPS))
                    .map(l -> l.substring(6)).toList();
            StringBuilder md = new StringBuilder("- **(b) Batch size** (attribute mean top-1, SuperCLIP vs CLIP):");
            for (String suffix : List.of("", EQUAL_STEPS)) {
                md.append(suffix.isEmpty() ? " at equal samples seen," : " At equal steps,");
                for (String b : sizes) {
                    String label = b.equals(sizes.get(sizes.size() - 1)) ? b : b + suffix;
                    MeanStd sc = at(v, "SuperCLIP b" + label, SUMMARY);
                    MeanStd c = at(v, "CLIP b" + label, SUMMARY);
                    md.append(" batch ").append(b).append(": ").append(format(sc)).append(" vs ").append(format(c));
                    if (sc != null && c != null && sc.n() > 1 && c.n() > 1) {
                        md.append(" (").append(compare(sc, c).replaceAll(".*→ ", "")).append(')');
                    }
                    md.append(';');
                }
                md.setLength(md.length() - 1);
                md.append(". ").append(shrink(v, sizes.get(0), sizes.get(sizes.size() - 1), suffix));
            }
            return md.append('\n').toString();
        }

        /** How SuperCLIP's score changes relative to CLIP's when the batch shrinks, against the paper's claim. */
        private String shrink(Map<String, SortedMap<String, MeanStd>> v, String small, String large, String suffix) {
            MeanStd[] q = {at(v, "SuperCLIP b" + small + suffix, SUMMARY), at(v, "SuperCLIP b" + large, SUMMARY),
                at(v, "CLIP b" + small + suffix, SUMMARY), at(v, "CLIP b" + large, SUMMARY)};
            if (Arrays.stream(q).anyMatch(m -> m == null || m.n() < 2)) {
                return "Not enough seeds yet to test the paper's claim here.";
            }
            double change = (q[0].mean() - q[1].mean()) - (q[2].mean() - q[3].mean());
            double se = 0;
            for (MeanStd m : q) {
                se += m.std() * m.std() / m.n();
            }
            se = Math.sqrt(se);
            String outcome = change > 2 * se ? "consistent with the paper's claim that SuperCLIP loses less "
                    + "than CLIP as the batch shrinks"
                    : change < -2 * se ? "the opposite of the paper's claim that SuperCLIP loses less than "
                    + "CLIP as the batch shrinks"
                    : "inconclusive about the paper's claim that SuperCLIP loses less than CLIP as the batch "
                    + "shrinks";
            return String.format(Locale.ROOT, "From batch %s to %s SuperCLIP's score changes by %+.3f relative to "
                    + "CLIP's (± %.3f): %s.", large, small, change, se, outcome);
        }
    },

    /** SuperCLIP with λ ∈ {0.4, 1.0, 1.6} (online IDF) and λ = 1 without IDF. */
    LAMBDA_IDF("lambda-idf", "(c) λ and IDF") {
        @Override
        List<Variant> variants(Budget b) {
            int batch = b.batchSize();
            int s = b.steps();
            return List.of(new Variant("λ=0.4", SUPERCLIP, 0.4, ONLINE, batch, s),
                    new Variant("λ=1.0", SUPERCLIP, 1, ONLINE, batch, s),
                    new Variant("λ=1.6", SUPERCLIP, 1.6, ONLINE, batch, s),
                    new Variant("λ=1.0, no IDF", SUPERCLIP, 1, TrainingConfig.IdfMode.DISABLED, batch, s));
        }

        @Override
        String discussion(Runs runs, Path out, List<String> charts) throws IOException {
            bars(runs, out, charts, "SuperCLIP: λ and IDF (mean ± std over seeds)", BAR_METRICS);
            Map<String, SortedMap<String, MeanStd>> v = runs.byVariant();
            return verdict(v, "λ=1.0", "λ=0.4") + verdict(v, "λ=1.6", "λ=1.0") + verdict(v, "λ=1.0", "λ=1.0, no IDF");
        }

        @Override
        String summary(Map<String, SortedMap<String, MeanStd>> v) {
            StringBuilder md = new StringBuilder("- **(c) λ and IDF** (attribute mean top-1 / rare shapes and "
                    + "colours):");
            for (String label : List.of("λ=0.4", "λ=1.0", "λ=1.6", "λ=1.0, no IDF")) {
                md.append(' ').append(label).append(' ').append(format(at(v, label, SUMMARY))).append(" / ")
                        .append(format(at(v, label, TAIL))).append(';');
            }
            md.setLength(md.length() - 1);
            return md.append(" (the paper, ImageNet zero-shot: 44.1 / 47.1 / 47.2, no IDF 44.8). IDF vs none: ")
                    .append(tally(v.get("λ=1.0"), v.get("λ=1.0, no IDF")).replace("SuperCLIP is", "with IDF is"))
                    .append('\n').toString();
        }
    },

    /** SuperCLIP on short captions, on a mix of short and long ones, and with DualCaption; CLIP for reference. */
    CAPTIONS("captions", "(d) DualCaption vs mixed vs short captions") {
        @Override
        List<Variant> variants(Budget b) {
            int batch = b.batchSize();
            int s = b.steps();
            return List.of(new Variant("CLIP short", CLIP, 1, ONLINE, batch, s),
                    new Variant("SuperCLIP short", SUPERCLIP, 1, ONLINE, batch, s),
                    new Variant("SuperCLIP mixed", SUPERCLIP, 1, ONLINE, batch, s, Variant.Captions.MIXED,
                            Variant.Data.SCENES),
                    new Variant("SuperCLIP DualCaption", SUPERCLIP, 1, ONLINE, batch, s, Variant.Captions.DUAL,
                            Variant.Data.SCENES));
        }

        @Override
        String discussion(Runs runs, Path out, List<String> charts) throws IOException {
            bars(runs, out, charts, "Captions (mean ± std over seeds)", BAR_METRICS);
            Map<String, SortedMap<String, MeanStd>> v = runs.byVariant();
            return verdict(v, "SuperCLIP DualCaption", "SuperCLIP short") + verdict(v, "SuperCLIP mixed",
                    "SuperCLIP short") + verdict(v, "SuperCLIP DualCaption", "SuperCLIP mixed")
                    + "\nAll four are evaluated the same way: short-caption prompts and short captions for "
                    + "retrieval. “mixed”: each training scene has its short or its long caption (half each) for both "
                    + "terms; “DualCaption”: the contrastive term reads the short caption, the classification term "
                    + "(and the IDF statistics) the long one, which also names size, texture, position and "
                    + "background.\n";
        }

        @Override
        String summary(Map<String, SortedMap<String, MeanStd>> v) {
            return "- **(d) Captions** (attribute mean top-1 / rare shapes and colours): short "
                    + format(at(v, "SuperCLIP short", SUMMARY)) + " / " + format(at(v, "SuperCLIP short", TAIL))
                    + ", mixed " + format(at(v, "SuperCLIP mixed", SUMMARY)) + " / "
                    + format(at(v, "SuperCLIP mixed", TAIL)) + ", DualCaption "
                    + format(at(v, "SuperCLIP DualCaption", SUMMARY)) + " / "
                    + format(at(v, "SuperCLIP DualCaption", TAIL)) + ". DualCaption vs short: "
                    + tally(v.get("SuperCLIP DualCaption"), v.get("SuperCLIP short")).replace("SuperCLIP is",
                    "DualCaption is") + '\n';
        }
    },

    /** CLIP vs SuperCLIP on the emoji's real names. */
    EMOJI("emoji", "(e) CLIP vs SuperCLIP on the emoji data set (real captions)") {
        @Override
        List<Variant> variants(Budget b) {
            return List.of(new Variant("CLIP emoji", CLIP, 1, ONLINE, b.batchSize(), b.steps(), Variant.Captions.SHORT,
                            Variant.Data.EMOJI),
                    new Variant("SuperCLIP emoji", SUPERCLIP, 1, ONLINE, b.batchSize(), b.steps(),
                            Variant.Captions.SHORT, Variant.Data.EMOJI));
        }

        @Override
        List<String> headline() {
            return EMOJI_HEADLINE;
        }

        @Override
        String discussion(Runs runs, Path out, List<String> charts) throws IOException {
            bars(runs, out, charts, "Emoji: CLIP vs SuperCLIP (mean ± std over seeds)", EMOJI_HEADLINE);
            return verdict(runs.byVariant(), "SuperCLIP emoji", "CLIP emoji", EMOJI_HEADLINE);
        }

        @Override
        String summary(Map<String, SortedMap<String, MeanStd>> v) {
            return "- **(e) Emoji** (real names, held-out 20 %): " + tally(v.get("SuperCLIP emoji"), v.get("CLIP emoji"),
                    EMOJI_HEADLINE) + '\n';
        }
    };

    /** Suffix of the labels of experiment (b)'s runs at the largest batch's step count. */
    static final String EQUAL_STEPS = " (equal steps)";

    /** What an experiment's runs came to: aggregated metrics and mean loss curves per variant label. */
    record Runs(Budget budget, List<Variant> variants, Map<String, SortedMap<String, MeanStd>> byVariant,
                Map<String, Map<String, Plots.Series>> curves) {
    }

    private static final ModelConfig.Loss CLIP = ModelConfig.Loss.CLIP;
    private static final ModelConfig.Loss SUPERCLIP = ModelConfig.Loss.SUPERCLIP;
    private static final TrainingConfig.IdfMode ONLINE = TrainingConfig.IdfMode.ONLINE;
    private static final String SUMMARY = Experiments.SUMMARY_METRIC;
    private static final String TAIL = Experiments.TAIL_METRIC;
    private static final List<String> EMOJI_HEADLINE = List.of("zeroshot.emoji.top1", "retrieval.emoji.i2t_r1",
            "retrieval.emoji.t2i_r1", "retrieval.emoji.i2t_r10", "retrieval.emoji.t2i_r10");
    private static final List<String> BAR_METRICS = List.of("zeroshot.scenes-shape.top1", "zeroshot.scenes-color.top1",
            "zeroshot.scenes-count.top1", "zeroshot.scenes-shape-tail.top1", "zeroshot.scenes-color-tail.top1",
            "zeroshot.scenes-compositional.top1", Experiments.SUMMARY_METRIC, Experiments.TAIL_METRIC,
            "retrieval.scenes.t2i_r10");

    final String id;
    private final String title;

    Experiment(String id, String title) {
        this.id = id;
        this.title = title;
    }

    /** The name on the command line and of the output files, e.g. {@code clip-vs-superclip}. */
    public String id() {
        return id;
    }

    /** The report section's heading. */
    public String title() {
        return title;
    }

    /** The experiment named {@code id}, or an error listing the names. */
    public static Experiment of(String id) {
        return Arrays.stream(values()).filter(e -> e.id.equals(id)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown experiment '" + id + "'; known: "
                        + Arrays.stream(values()).map(Experiment::id).toList()));
    }

    /** The runs this experiment compares under {@code budget}. */
    abstract List<Variant> variants(Budget budget);

    /** Draws this experiment's charts into {@code out} (adding their file names to {@code charts}); the verdicts. */
    abstract String discussion(Runs runs, Path out, List<String> charts) throws IOException;

    /** This experiment's line of the report's summary. */
    abstract String summary(Map<String, SortedMap<String, MeanStd>> byVariant);

    /** The metrics of this experiment's table and verdicts. */
    List<String> headline() {
        return Experiments.HEADLINE;
    }

    private static String label(ModelConfig.Loss loss) {
        return loss == CLIP ? "CLIP" : "SuperCLIP";
    }

    /** A bar chart of {@code metrics} per variant that has runs, {@code <id>-bars.png}. */
    void bars(Runs runs, Path out, List<String> charts, String chartTitle, List<String> metrics) throws IOException {
        Map<String, SortedMap<String, MeanStd>> present = new LinkedHashMap<>();
        runs.byVariant().forEach((label, m) -> {
            if (!m.isEmpty()) {
                present.put(label, m);
            }
        });
        if (!present.isEmpty()) {
            Plots.comparisonBars(out.resolve(id + "-bars.png"), chartTitle, metrics, present);
            charts.add(id + "-bars.png");
        }
    }

    /** A variant's metric, or null when the variant has no runs yet. */
    static MeanStd at(Map<String, SortedMap<String, MeanStd>> byVariant, String label, String metric) {
        SortedMap<String, MeanStd> m = byVariant.get(label);
        return m == null ? null : m.get(metric);
    }
}
