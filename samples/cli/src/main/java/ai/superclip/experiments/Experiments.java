package ai.superclip.experiments;

import ai.superclip.data.EmojiDataset;
import ai.superclip.data.ImageTextDataset;
import ai.superclip.data.KnownDatasets;
import ai.superclip.data.Split;
import ai.superclip.data.Splits;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.eval.Benchmarks;
import ai.superclip.eval.EvalOptions;
import ai.superclip.eval.EvalReport;
import ai.superclip.eval.MarkdownReport;
import ai.superclip.eval.MeanStd;
import ai.superclip.eval.Plots;
import ai.superclip.eval.TemplateSet;
import ai.superclip.inference.Model;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.runtime.LocalFiles;
import ai.superclip.train.StepMetrics;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import ai.superclip.train.TrainingListener;
import ai.superclip.train.TrainingResult;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The paper-claim experiments at miniature scale ({@link Experiment}): the tiny preset trained on
 * {@link SyntheticScenes} with {@link Trainer}, exported, evaluated on the held-out scenes with {@link Benchmarks}
 * and aggregated over seeds with {@link MeanStd}.
 *
 * <p>Runs with identical settings are shared between experiments and cached under the work folder
 * ({@code runs/<budget>/<variant>/seed-<s>/report.json} plus {@code metrics.jsonl}), so an interrupted set resumes
 * where it stopped; the heavy training files are deleted once a run is evaluated.
 *
 * <p>For each experiment, {@link #run} writes {@code <id>.json} (per variant, every metric as mean, std, n),
 * {@code <id>.md} (the section of the report) and PNG plots into the output folder; {@link #report} assembles the
 * sections into one Markdown report. {@code superclip experiments all --out docs/results} runs them all.
 */
public final class Experiments {

    /** The mean zero-shot top-1 over {@link #SUMMARY_ATTRIBUTES}, the experiments' one-number summary. */
    static final String SUMMARY_METRIC = "summary.attribute_mean_top1";

    /** The headline metrics shown in the tables and bar charts. */
    static final List<String> HEADLINE = List.of("zeroshot.scenes-shape.top1", "zeroshot.scenes-color.top1",
            "zeroshot.scenes-count.top1", "zeroshot.scenes-shape-tail.top1", "zeroshot.scenes-color-tail.top1",
            "zeroshot.scenes-compositional.top1", SUMMARY_METRIC, "summary.tail_mean_top1",
            "retrieval.scenes.i2t_r1", "retrieval.scenes.t2i_r1", "retrieval.scenes.t2i_r10");

    /** The attribute tasks averaged into {@code summary.attribute_mean_top1}: those short captions name. */
    static final List<String> SUMMARY_ATTRIBUTES = SyntheticScenes.describedAttributes(false);

    /** The mean zero-shot top-1 over the scenes that show a rare shape or colour ({@link #TAIL_ATTRIBUTES}). */
    static final String TAIL_METRIC = "summary.tail_mean_top1";

    /** The Zipf-drawn attributes that short captions name. */
    static final List<String> TAIL_ATTRIBUTES = List.of("shape", "color");

    /** The scenes' vocabulary: long-tailed, so that rare words carry information. */
    static final SyntheticScenes.Vocabulary VOCABULARY = SyntheticScenes.Vocabulary.LONG_TAIL;

    /** The emoji's fixed 80/20 division (the same for every seed). */
    private static final Splits EMOJI_SPLITS = new Splits(0.8, 0, 0);

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The result of one experiment: aggregated metrics per variant and the Markdown section. */
    public record Result(Experiment experiment, Map<String, SortedMap<String, MeanStd>> byVariant, String markdown) {
    }

    private Experiments() {
    }
    /**
     * Trains every run of {@code experiments} that is not cached yet, {@code jobs} at a time: seed 0 of every
     * variant, then seed 1, …, so that an interrupted grid still covers every variant. A failed run is reported
     * and the others go on; the call then fails naming how many failed.
     */
    public static void trainAll(List<Experiment> experiments, Budget budget, int jobs) throws Exception {
        Map<Path, Variant> todo = new LinkedHashMap<>();
        Map<Path, Integer> seedOf = new LinkedHashMap<>();
        for (int seed = 0; seed < budget.seeds(); seed++) {
            for (Experiment e : experiments) {
                for (Variant v : e.variants(budget)) {
                    Path dir = budget.runs().resolve(v.key()).resolve("seed-" + seed);
                    if (!todo.containsKey(dir) && !Files.isRegularFile(dir.resolve("report.json"))) {
                        todo.put(dir, v);
                        seedOf.put(dir, seed);
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "[experiments] %d runs to train, %d at a time%n", todo.size(), jobs);
        ExecutorService pool = Executors.newFixedThreadPool(jobs);
        AtomicInteger failed = new AtomicInteger();
        try {
            List<Future<?>> futures = new ArrayList<>();
            todo.forEach((dir, v) -> futures.add(pool.submit(() -> {
                try {
                    runOnce(v, seedOf.get(dir), dir, budget);
                } catch (Exception | Error e) {
                    failed.incrementAndGet();
                    System.err.println("[experiments] " + dir + " failed:");
                    e.printStackTrace();
                }
            })));
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " of " + todo.size() + " runs failed (see above)");
        }
    }

    /**
     * Aggregates one experiment from its cached runs (train them first with {@link #trainAll}; missing runs are
     * left out, and each variant's table row says how many seeds it has), writes {@code <name>.json},
     * {@code <name>.md} and its plots into {@code out}, and returns the aggregate.
     */
    public static Result run(Experiment experiment, Path out, Budget budget) throws Exception {
        List<Variant> variants = experiment.variants(budget);
        Map<String, SortedMap<String, MeanStd>> byVariant = new LinkedHashMap<>();
        Map<String, Map<String, Plots.Series>> curves = new LinkedHashMap<>();
        for (Variant v : variants) {
            List<EvalReport> reports = new ArrayList<>();
            List<Path> runs = new ArrayList<>();
            for (int seed = 0; seed < budget.seeds(); seed++) {
                Path dir = budget.runs().resolve(v.key()).resolve("seed-" + seed);
                if (Files.isRegularFile(dir.resolve("report.json"))) {
                    reports.add(EvalReport.readJson(dir.resolve("report.json")));
                    runs.add(dir);
                }
            }
            byVariant.put(v.label(), reports.isEmpty() ? new TreeMap<>() : MeanStd.across(reports));
            curves.put(v.label(), meanLossCurves(runs));
        }
        Files.createDirectories(out);
        writeJson(out.resolve(experiment.id() + ".json"), experiment, budget, variants, byVariant);
        String markdown = section(experiment, out, new Experiment.Runs(budget, variants, byVariant, curves));
        MarkdownReport.write(out.resolve(experiment.id() + ".md"), markdown);
        return new Result(experiment, byVariant, markdown);
    }

    /** Trains, exports and evaluates one run, or reads its cached report. */
    static EvalReport runOnce(Variant v, int seed, Path dir, Budget budget) throws Exception {
        Path reportFile = dir.resolve("report.json");
        if (Files.isRegularFile(reportFile)) {
            return EvalReport.readJson(reportFile);
        }
        LocalFiles.deleteTree(dir);
        Files.createDirectories(dir);
        ModelConfig preset = Presets.get(budget.preset());
        ModelConfig model = new ModelConfig(preset.embedDim(), preset.vision(), preset.text(), v.loss(), v.lambda(),
                preset.adamW());
        int imageSize = preset.vision().imageSize();
        Path trainDir = dir.resolve("train");
        TrainingConfig config = TrainingConfig.builder(budget.preset()).model(model).batchSize(v.batchSize())
                .steps(v.steps()).learningRate(budget.learningRate()).seed(seed).threads(budget.threads())
                .checkpointEvery(0).keepCheckpoints(1).logEvery(Math.max(1, v.steps() / 500)).idf(v.idf())
                .dualCaption(v.captions() == Variant.Captions.DUAL).output(trainDir).build();
        StepMetrics[] last = new StepMetrics[1];
        TrainingResult result;
        Path modelDir = dir.resolve("model");
        EmojiDataset emoji = v.data() == Variant.Data.EMOJI ? EmojiDataset.open(KnownDatasets.EMOJI.locate()
                .orElseThrow(() -> new IllegalStateException("the emoji data set is not installed: npm install "
                + KnownDatasets.EMOJI.npmPackage() + " under $SUPERCLIP_DATA"))) : null;
        ImageTextDataset train = emoji != null ? EMOJI_SPLITS.select(emoji, Split.TRAIN)
                : SyntheticScenes.builder().seed(seed).split(Split.TRAIN).count(budget.trainScenes())
                .imageSize(imageSize).vocabulary(VOCABULARY).mixedCaptions(v.captions() == Variant.Captions.MIXED)
                .build();
        try (Trainer trainer = Trainer.create(config, train)) {
            trainer.addListener(new TrainingListener() {
                @Override
                public void onStep(StepMetrics m) {
                    last[0] = m;
                }
            });
            result = trainer.train();
            trainer.exportEncoders(modelDir);
        }
        long evalStart = System.nanoTime();
        EvalReport report;
        try (Model m = Model.load(modelDir, budget.threads(), 64)) {
            if (emoji != null) {
                report = Benchmarks.evaluate(m, EMOJI_SPLITS.select(emoji, Split.TEST), "emoji", EvalOptions
                        .defaults().withSeed(seed).withTemplates(TemplateSet.of("emoji", EmojiDataset.TEMPLATE)),
                        new EvalReport());
                emoji.close();
            } else {
                report = Benchmarks.evaluate(m, "scenes", EvalOptions.scenes(seed, budget.testScenes(), false)
                        .withVocabulary(VOCABULARY));
            }
        }
        report.putTraining(result.steps(), result.seconds(), result.finalLoss());
        report.put("train.samples", (long) v.steps() * v.batchSize());
        report.put("train.final_clip_loss", last[0].clipLoss());
        if (v.superclip()) {
            report.put("train.final_cls_loss", last[0].clsLoss());
        }
        report.put("eval.seconds", (System.nanoTime() - evalStart) / 1e9);
        if (emoji == null) {
            report.put(SUMMARY_METRIC, SUMMARY_ATTRIBUTES.stream()
                    .mapToDouble(a -> report.metrics().get("zeroshot.scenes-" + a + ".top1").doubleValue()).average()
                    .orElseThrow());
            report.put(TAIL_METRIC, TAIL_ATTRIBUTES.stream()
                    .mapToDouble(a -> report.metrics().get("zeroshot.scenes-" + a + "-tail.top1").doubleValue())
                    .average().orElseThrow());
        }
        Files.copy(trainDir.resolve(Trainer.METRICS), dir.resolve(Trainer.METRICS));
        if (seed == 0 && v.superclip() && v.data() == Variant.Data.SCENES) {
            // the classification head lives only in the training checkpoint: kept for docs/results.md's look at it
            Files.move(trainDir.resolve("checkpoints"), dir.resolve("checkpoints"));
        }
        LocalFiles.deleteTree(trainDir);
        LocalFiles.deleteTree(modelDir);
        report.writeJson(reportFile);
        System.out.printf(Locale.ROOT, "[experiments] %s seed %d: %.0f s training, %.0f s evaluation%n", v.key(), seed,
                result.seconds(), report.metrics().get("eval.seconds").doubleValue());
        return report;
    }

    /** Per loss term, the mean over runs of its value at each step (steps every run logged). */
    static Map<String, Plots.Series> meanLossCurves(List<Path> runs) throws IOException {
        Map<String, SortedMap<Long, List<Double>>> byTerm = new LinkedHashMap<>();
        for (Path run : runs) {
            Path file = run.resolve(Trainer.METRICS);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            for (String line : Files.readAllLines(file)) {
                JsonNode o = JSON.readTree(line);
                if (!o.has("loss")) {
                    continue;
                }
                long step = o.get("step").asLong();
                for (String term : List.of("loss", "clip_loss", "cls_loss")) {
                    if (o.has(term)) {
                        byTerm.computeIfAbsent(term, t -> new TreeMap<>())
                                .computeIfAbsent(step, k -> new ArrayList<>()).add(o.get(term).asDouble());
                    }
                }
            }
        }
        Map<String, Plots.Series> out = new LinkedHashMap<>();
        byTerm.forEach((term, steps) -> {
            double[] x = steps.keySet().stream().mapToDouble(Long::doubleValue).toArray();
            double[] y = steps.values().stream().mapToDouble(l -> l.stream().mapToDouble(d -> d).average().orElse(0))
                    .toArray();
            out.put(term, Plots.Series.of(x, y));
        });
        return out;
    }

    private static void writeJson(Path file, Experiment experiment, Budget budget, List<Variant> variants,
                                  Map<String, SortedMap<String, MeanStd>> byVariant) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("experiment", experiment.id());
        root.put("budget", budget.describe());
        ObjectNode vs = root.putObject("variants");
        for (Variant v : variants) {
            ObjectNode node = vs.putObject(v.label());
            node.put("loss", v.loss().name().toLowerCase(Locale.ROOT));
            node.put("lambda", v.lambda());
            node.put("idf", v.idf().name().toLowerCase(Locale.ROOT));
            node.put("batch_size", v.batchSize());
            node.put("steps", v.steps());
            node.put("captions", v.captions().name().toLowerCase(Locale.ROOT));
            node.put("data", v.data().name().toLowerCase(Locale.ROOT));
            node.put("samples", v.samples());
            node.put("seeds", seeds(byVariant.getOrDefault(v.label(), new TreeMap<>())));
            ObjectNode metrics = node.putObject("metrics");
            byVariant.getOrDefault(v.label(), new TreeMap<>()).forEach((key, ms) -> {
                ObjectNode m = metrics.putObject(key);
                m.put("mean", ms.mean());
                m.put("std", ms.std());
                m.put("n", ms.n());
            });
        }
        JSON.writeValue(file.toFile(), root);
    }

    /** The report section: heading, table, the experiment's own charts and verdicts, then the charts' links. */
    private static String section(Experiment experiment, Path out, Experiment.Runs runs) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("## ").append(experiment.title()).append("\n\n");
        md.append(table(runs.variants(), runs.byVariant(), experiment.headline())).append('\n');
        List<String> charts = new ArrayList<>();
        md.append(experiment.discussion(runs, out, charts));
        md.append('\n');
        for (String png : charts) {
            md.append("![").append(png).append("](").append(out.getFileName()).append('/').append(png).append(")\n");
        }
        return md.toString();
    }

    /**
     * Headline table: a row per variant, a column per headline metric, {@code mean ± std} over the seeds whose
     * runs exist (column "seeds"); "–" where none does.
     */
    static String table(List<Variant> variants, Map<String, SortedMap<String, MeanStd>> byVariant,
                        List<String> headline) {
        StringBuilder md = new StringBuilder("| variant | loss | batch | steps | seeds |");
        headline.forEach(m -> md.append(' ').append(shortName(m)).append(" |"));
        md.append(" final loss |\n|---|---|---|---|---|");
        headline.forEach(m -> md.append("---|"));
        md.append("---|\n");
        for (Variant v : variants) {
            SortedMap<String, MeanStd> m = byVariant.getOrDefault(v.label(), new TreeMap<>());
            md.append("| ").append(v.label()).append(" | ").append(v.superclip() ? "SuperCLIP" : "CLIP").append(" | ")
                    .append(v.batchSize()).append(" | ").append(v.steps()).append(" | ").append(seeds(m)).append(" |");
            for (String key : headline) {
                md.append(' ').append(format(m.get(key))).append(" |");
            }
            md.append(' ').append(format(m.get("train.final_loss"))).append(" |\n");
        }
        SortedMap<String, MeanStd> any = byVariant.values().stream().filter(m -> !m.isEmpty()).findFirst()
                .orElse(null);
        if (any == null) {
            return md.toString();
        }
        md.append("| chance | | | | |");
        for (String key : headline) {
            md.append(' ').append(chance(key, any)).append(" |");
        }
        md.append(" |\n");
        return md.toString();
    }

    /** Number of seeds behind a variant's numbers (0 when none of its runs exists). */
    static int seeds(SortedMap<String, MeanStd> metrics) {
        MeanStd loss = metrics.get("train.final_loss");
        return loss == null ? 0 : loss.n();
    }

    /** The chance level of a headline metric, from the cached reports' own chance entries. */
    private static String chance(String key, SortedMap<String, MeanStd> any) {
        if (key.startsWith("zeroshot.")) {
            MeanStd c = any.get(key.replace(".top1", ".chance"));
            return c == null ? "" : String.format(Locale.ROOT, "%.3f", c.mean());
        }
        if (key.startsWith("retrieval.")) {
            MeanStd c = any.get(key.replaceAll("\\.[^.]*$", ".chance_r1"));
            return c == null ? "" : String.format(Locale.ROOT, "%.3f",
                    Integer.parseInt(key.replaceAll(".*_r", "")) * c.mean());
        }
        List<String> attributes = key.equals(SUMMARY_METRIC) ? SUMMARY_ATTRIBUTES
                : key.equals(TAIL_METRIC) ? TAIL_ATTRIBUTES : List.of();
        return attributes.isEmpty() ? "" : String.format(Locale.ROOT, "%.3f", attributes.stream()
                .mapToDouble(a -> 1.0 / VOCABULARY.values(a).size()).average().orElseThrow());
    }

    static String shortName(String key) {
        return key.replace("zeroshot.scenes-", "").replace("retrieval.scenes.", "").replace("summary.", "")
                .replace("retrieval.emoji.", "emoji ").replace("zeroshot.emoji.", "emoji category ");
    }

    /** {@code mean ± std}, "–" for no runs. */
    static String format(MeanStd m) {
        return m == null ? "–" : String.format(Locale.ROOT, "%.3f ± %.3f", m.mean(), m.std());
    }

    /** Whether {@code a} beats {@code b} on the headline metrics: difference and a 2-standard-error test. */
    static String verdict(Map<String, SortedMap<String, MeanStd>> byVariant, String a, String b) {
        return verdict(byVariant, a, b, HEADLINE);
    }

    /** Whether {@code a} beats {@code b} on {@code headline}; metrics with fewer than two seeds a side are left out. */
    static String verdict(Map<String, SortedMap<String, MeanStd>> byVariant, String a, String b,
                          List<String> headline) {
        StringBuilder md = new StringBuilder("\n**" + a + " vs " + b + "** (difference of means; “better”/“worse” when it "
                + "exceeds two standard errors, otherwise “no clear difference”):\n");
        for (String key : headline) {
            MeanStd x = byVariant.getOrDefault(a, new TreeMap<>()).get(key);
            MeanStd y = byVariant.getOrDefault(b, new TreeMap<>()).get(key);
            if (x == null || y == null || x.n() < 2 || y.n() < 2) {
                continue;
            }
            md.append("- ").append(shortName(key)).append(": ").append(compare(x, y)).append('\n');
        }
        return md.toString();
    }

    /** The difference of means with its standard error, and "better", "worse" or "no clear difference". */
    static String compare(MeanStd x, MeanStd y) {
        double d = x.mean() - y.mean();
        double se = Math.sqrt(x.std() * x.std() / x.n() + y.std() * y.std() / y.n());
        String word = d > 2 * se && d != 0 ? "better" : d < -2 * se && d != 0 ? "worse" : "no clear difference";
        return String.format(Locale.ROOT, "%+.3f (± %.3f) → %s", d, se, word);
    }

    /**
     * The whole Markdown report of {@code results}, with the command that regenerates it; {@code reading} (the
     * hand-written reading of the results and the look at the head, or "") follows the generated summary.
     */
    public static String report(List<Result> results, Budget budget, double minutes, Path out, String reading) {
        StringBuilder md = new StringBuilder();
        md.append("# SuperCLIP vs CLIP at CPU scale: the paper's claims, tested\n\n");
        List<Experiment> run = results.stream().map(Result::experiment).toList();
        String names = run.equals(List.of(Experiment.values())) ? "all"
                : String.join(" ", run.stream().map(Experiment::id).toList());
        md.append("Generated by `superclip experiments` (do not edit by hand; the reading below comes from `")
                .append(out.toString().replace('\\', '/')).append("/notes.md`). Train what is missing (resumes "
                + "from the cached runs) and regenerate, or regenerate from the cached runs only:\n\n```\n")
                .append("export SUPERCLIP_DATA=.cache/data   # npm install --prefix .cache/data --ignore-scripts "
                        + "emoji-datasource-google@16.0.0\n")
                .append("java -jar samples/cli/target/superclip.jar experiments ").append(names)
                .append(" --work .cache/experiments/work --out ").append(out.toString().replace('\\', '/'))
                .append(" --jobs 2 --threads 1\n")
                .append("java -jar samples/cli/target/superclip.jar experiments ").append(names)
                .append(" --work .cache/experiments/work --out ").append(out.toString().replace('\\', '/'))
                .append(" --report-only\n```\n\n");
        double[] compute = computeMinutes(budget);
        long expected = results.stream().flatMap(r -> r.experiment().variants(budget).stream()).map(Variant::key)
                .distinct().count() * budget.seeds();
        md.append(String.format(Locale.ROOT, "Runs: %d of the grid's %d (distinct variants × %d seeds) are cached "
                + "and reported; each table row says how many seeds it has. They took %.1f min of training and "
                + "evaluation (summed over runs; two runs at a time with one ONNX Runtime thread each), on a "
                + "%d-core machine shared with other work; this invocation took %.1f min.%n%n", (int) compute[0],
                expected, budget.seeds(), compute[1], Runtime.getRuntime().availableProcessors(), minutes));
        md.append(summary(results));
        md.append(reading);
        ModelConfig m = Presets.get(budget.preset());
        md.append(String.format(Locale.ROOT, "**Setting.** The `%s` preset (ViT %d px / patch %d / width %d / %d "
                + "layers; text width %d / %d layers / %d tokens; embedding %d; the full CLIP vocabulary of %,d "
                + "tokens, so SuperCLIP's head predicts over all of it) trained from scratch with the reference loss "
                + "on the long-tailed synthetic scenes (`SyntheticScenes.Vocabulary.LONG_TAIL`: 10 shapes, 14 "
                + "colours, 5 textures, each drawn with Zipf frequencies 1/k, so “red” is in 31 %% of the scenes "
                + "and “olive” in 2 %%; 2 sizes, 5 positions, counts 1–3, 3 backgrounds, 25 %% two-object scenes "
                + "with a relation) and evaluated on held-out scenes of the TEST split of the same seed (disjoint "
                + "by construction). Budget: ", budget.preset(), m.vision().imageSize(), m.vision().patchSize(),
                m.vision().width(), m.vision().layers(), m.text().width(), m.text().layers(),
                m.text().contextLength(), m.embedDim(), m.text().vocabSize()))
                .append(budget.describe()).append(". AdamW as in the reference (β = 0.9/0.98, wd 0.2). Every "
                + "number is mean ± sample std over the seeds.\n\n");
        md.append("**Metrics.** Zero-shot top-1 per attribute (shape: 10 classes, color: 14, count: 3) over the "
                + "held-out one-object scenes, with in-domain prompt ensembles (16 short training-style captions per "
                + "class, the other attributes drawn as the data draws them); `shape-tail` and `color-tail` are the "
                + "same classifiers scored only on the scenes whose shape or colour is one of the rarer half "
                + "(crescent, arrow, ring, hexagon, diamond; olive, navy, lime, magenta, cyan, brown, pink), all "
                + "classes still competing; `attribute_mean_top1` is the mean of shape, color and count, "
                + "`tail_mean_top1` of the two tails; `compositional` is the 2-way choice between a pair scene's "
                + "caption and the caption with its two objects swapped (chance 0.5); retrieval is image↔short "
                + "caption over all held-out scenes (short captions repeat across scenes, which caps R@1). The "
                + "emoji runs train on 80 % of the emoji (a fixed hash split) and report retrieval of the held-out "
                + "20 % by their names and zero-shot over the nine categories. The row “chance” gives each "
                + "metric's chance level.\n\n");
        md.append(String.format(Locale.ROOT, "**Caveat.** Still a miniature: %,d samples seen per run instead of "
                + "512 M, batches of %s instead of 16 K, a model of about a million parameters besides the "
                + "vocabulary-sized embedding and head. The results say what the two losses do in this regime only; "
                + "where they contradict the paper they are reported as they came out, not tuned.%n%n",
                budget.samples(), budget.batchSizes()));
        for (Result r : results) {
            md.append(r.markdown()).append('\n');
        }
        return md.toString();
    }

    /**
     * The reading of the results: the hand-written {@code notes} file (when it exists) and the generated look at
     * the classification head of seed 0 of the standard SuperCLIP run (when its checkpoint was kept).
     */
    public static String reading(Budget budget, Path notes) throws Exception {
        StringBuilder md = new StringBuilder();
        if (Files.isRegularFile(notes)) {
            md.append(Files.readString(notes).strip()).append("\n\n");
        }
        Variant standard = Experiment.CLIP_VS_SUPERCLIP.variants(budget).stream().filter(Variant::superclip)
                .findFirst().orElseThrow();
        Path run = budget.runs().resolve(standard.key()).resolve("seed-0");
        if (Files.isDirectory(run.resolve(Trainer.CHECKPOINTS))) {
            md.append("## What the SuperCLIP head predicts (generated)\n\n")
                    .append(HeadProbe.markdown(run, 0, budget.testScenes(), standard.batchSize())).append('\n');
        }
        return md.toString();
    }

    /** Number of cached runs of {@code budget} and their training + evaluation minutes. */
    static double[] computeMinutes(Budget budget) {
        double runs = 0;
        double seconds = 0;
        if (!Files.isDirectory(budget.runs())) {
            return new double[] {0, 0};
        }
        try (Stream<Path> files = Files.walk(budget.runs())) {
            for (Path f : files.filter(f -> f.getFileName().toString().equals("report.json")).toList()) {
                Map<String, Number> m = EvalReport.readJson(f).metrics();
                runs++;
                seconds += m.getOrDefault("train.seconds", 0).doubleValue() + m.getOrDefault("eval.seconds", 0)
                        .doubleValue();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new double[] {runs, seconds / 60};
    }
    /** The plain-words summary: where SuperCLIP beats CLIP, where not, and how the ablations came out. */
    static String summary(List<Result> results) {
        StringBuilder md = new StringBuilder("## Summary (generated from the tables below)\n\n");
        for (Result r : results) {
            md.append(r.experiment().summary(r.byVariant()));
        }
        return md.append('\n').toString();
    }

    /** "better on …; worse on …; no clear difference on the other k headline metrics." */
    static String tally(SortedMap<String, MeanStd> a, SortedMap<String, MeanStd> b) {
        return tally(a, b, HEADLINE);
    }

    /** {@link #tally(SortedMap, SortedMap)} over {@code headline}; metrics with fewer than two seeds a side left out. */
    static String tally(SortedMap<String, MeanStd> a, SortedMap<String, MeanStd> b, List<String> headline) {
        List<String> better = new ArrayList<>();
        List<String> worse = new ArrayList<>();
        int same = 0;
        a = a == null ? new TreeMap<>() : a;
        b = b == null ? new TreeMap<>() : b;
        for (String key : headline) {
            if (!a.containsKey(key) || !b.containsKey(key) || a.get(key).n() < 2 || b.get(key).n() < 2) {
                continue;
            }
            String word = compare(a.get(key), b.get(key));
            if (word.endsWith("better")) {
                better.add(shortName(key));
            } else if (word.endsWith("worse")) {
                worse.add(shortName(key));
            } else {
                same++;
            }
        }
        if (better.isEmpty() && worse.isEmpty() && same == 0) {
            return "SuperCLIP is not testable yet (fewer than two seeds a side).";
        }
        return "SuperCLIP is better (beyond two standard errors) on " + (better.isEmpty() ? "none" : String.join(", ",
                better)) + ", worse on " + (worse.isEmpty() ? "none" : String.join(", ", worse))
                + ", and not clearly different on the other " + same + " headline metrics.";
    }
}
