package ai.superclip.cli;

import ai.superclip.data.SyntheticScenes;
import ai.superclip.eval.Benchmarks;
import ai.superclip.eval.EvalOptions;
import ai.superclip.eval.EvalReport;
import ai.superclip.inference.Model;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.train.ConsoleProgress;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import ai.superclip.train.TrainingResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code superclip demo}: the main job on the built-in default, no download. Generates synthetic captioned scenes,
 * trains the tiny SuperCLIP preset (and, with {@code --compare}, a CLIP baseline on the same budget), evaluates
 * zero-shot and retrieval on held-out scenes through the exported encoders, and prints a table.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Train the tiny SuperCLIP on synthetic scenes, evaluate on held-out scenes, export, print a table.")
final class DemoCommand implements Callable<Integer> {
    /** Where the demo writes by default. */
    static final Path DEFAULT_OUT = Path.of("runs", "demo");
    /** The SuperCLIP encoders a default demo exports: where {@code zeroshot} and {@code retrieve} look by default. */
    static final Path MODEL = modelDir(DEFAULT_OUT, ModelConfig.Loss.SUPERCLIP);

    @Option(names = "--steps", description = "Optimizer steps per model")
    int steps = 600;

    @Option(names = "--batch-size", description = "Samples per step")
    int batchSize = 32;

    @Option(names = "--lr", description = "Peak learning rate")
    double lr = 1e-3;

    @Option(names = "--train-scenes", description = "Synthetic training scenes")
    int trainScenes = 20_000;

    @Option(names = "--eval-scenes", description = "Held-out scenes for evaluation")
    int evalScenes = 1_000;

    @Option(names = "--long-captions", description = "Train and evaluate on the long detailed captions")
    boolean longCaptions;

    @Option(names = "--compare", description = "Also train a CLIP baseline with the same budget")
    boolean compare;

    @Option(names = "--threads", description = "ONNX Runtime threads (0: all cores)")
    int threads = 0;

    @Option(names = "--seed", description = "Seed of data, weights and order")
    long seed = 0;

    @Option(names = "--out", description = "Where runs, encoders and report.json go")
    Path out = DEFAULT_OUT;

    @Option(names = "--quiet", description = "No progress bar")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        System.out.printf(Locale.ROOT, "SuperCLIP demo: tiny preset, %d steps of %d synthetic scenes (%s captions), "
                + "evaluated on %d held-out scenes%n", steps, batchSize, longCaptions ? "long" : "short", evalScenes);
        List<ModelConfig.Loss> losses = new ArrayList<>(List.of(ModelConfig.Loss.SUPERCLIP));
        if (compare) {
            losses.add(ModelConfig.Loss.CLIP);
        }
        Map<ModelConfig.Loss, EvalReport> reports = new LinkedHashMap<>();
        Map<ModelConfig.Loss, Path> encoders = new LinkedHashMap<>();
        try (SyntheticScenes scenes = SyntheticScenes.builder().seed(seed).count(trainScenes)
                .longCaptions(longCaptions).build()) {
            for (ModelConfig.Loss loss : losses) {
                String name = runName(loss);
                Path run = out.resolve(name);
                TrainingConfig config = TrainingConfig.builder("tiny").model(Presets.get("tiny").withLoss(loss))
                        .batchSize(batchSize).steps(steps).learningRate(lr).seed(seed).threads(threads)
                        .checkpointEvery(Math.max(1, steps / 4)).output(run).build();
                System.out.println("training " + name + " ...");
                EvalReport report;
                try (Trainer trainer = Trainer.create(config, scenes)) {
                    if (!quiet) {
                        trainer.addListener(ConsoleProgress.forConsole());
                    }
                    TrainingResult result = trainer.train();
                    Path model = trainer.exportEncoders(modelDir(out, loss));
                    encoders.put(loss, model);
                    try (Model m = Model.load(model)) {
                        report = Benchmarks.evaluate(m, "scenes", EvalOptions.scenes(seed + 1, evalScenes, longCaptions));
                    }
                    report.putTraining(result.steps(), result.seconds(), result.finalLoss());
                }
                reports.put(loss, report);
                report.writeJson(run.resolve("report.json"));
            }
        }
        EvalReport main = reports.get(ModelConfig.Loss.SUPERCLIP);
        main.writeJson(out.resolve("report.json"));
        printTable(reports);
        System.out.println();
        System.out.println("report:   " + out.resolve("report.json"));
        encoders.forEach((loss, dir) -> System.out.println("encoders: " + dir + "  (" + loss.name().toLowerCase(Locale.ROOT)
                + "; image_encoder.onnx, text_encoder.onnx run on any ONNX Runtime)"));
        System.out.println("metrics:  " + out.resolve(runName(ModelConfig.Loss.SUPERCLIP)).resolve(Trainer.METRICS));
        return 0;
    }

    /** The run directory's name for a loss: superclip or clip. */
    private static String runName(ModelConfig.Loss loss) {
        return loss.name().toLowerCase(Locale.ROOT);
    }

    /** Where a demo writing under {@code out} exports the encoders trained with {@code loss}. */
    static Path modelDir(Path out, ModelConfig.Loss loss) {
        return out.resolve(runName(loss)).resolve("model");
    }

    /** One row per metric: each model's value and the chance level. */
    private static void printTable(Map<ModelConfig.Loss, EvalReport> reports) {
        SortedMap<String, Number> main = reports.values().iterator().next().metrics();
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%n%-38s", "metric"));
        reports.keySet().forEach(l -> header.append(String.format(Locale.ROOT, "%12s", l.name().toLowerCase(Locale.ROOT))));
        System.out.println(header.append(String.format(Locale.ROOT, "%10s", "chance")));
        for (String key : main.keySet()) {
            boolean zeroShot = key.startsWith("zeroshot.") && key.endsWith(".top1");
            boolean retrieval = key.startsWith("retrieval.") && (key.endsWith("i2t_r1") || key.endsWith("t2i_r1"));
            if (!zeroShot && !retrieval && !key.startsWith("train.")) {
                continue;
            }
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-38s", key));
            for (EvalReport r : reports.values()) {
                Number v = r.metrics().get(key);
                row.append(String.format(Locale.ROOT, "%12s", v == null ? "-" : format(v)));
            }
            String chanceKey = zeroShot ? key.replace(".top1", ".chance")
                    : retrieval ? key.substring(0, key.lastIndexOf('.')) + (key.endsWith("i2t_r1") ? ".i2t_chance_r1" : ".chance_r1")
                    : null;
            Number chance = chanceKey == null ? null : main.get(chanceKey);
            row.append(String.format(Locale.ROOT, "%10s", chance == null ? "" : format(chance)));
            System.out.println(row);
        }
    }

    private static String format(Number v) {
        return v instanceof Long || v instanceof Integer ? v.toString() : String.format(Locale.ROOT, "%.3f", v.doubleValue());
    }
}
