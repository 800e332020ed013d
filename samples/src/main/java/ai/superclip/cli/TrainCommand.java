package ai.superclip.cli;

import ai.superclip.artifacts.AdamW;
import ai.superclip.data.ImageTextDataset;
import ai.superclip.eval.Benchmarks;
import ai.superclip.eval.EvalOptions;
import ai.superclip.eval.EvalReport;
import ai.superclip.inference.Model;
import ai.superclip.data.Split;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.model.SuperClipModel;
import ai.superclip.train.ConsoleProgress;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import ai.superclip.train.TrainingResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code superclip train}: open_clip-style flags over the SDK's trainer. */
@Command(name = "train", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Train a SuperCLIP or CLIP model; writes artifacts, checkpoints, metrics.jsonl and the encoders.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Preset: " + "tiny, small, vit-b-32, vit-b-16, vit-l-16")
    String model = "tiny";

    @Option(names = "--loss", description = "clip or superclip")
    String loss = "superclip";

    @Option(names = "--lambda", description = "Weight of the classification loss")
    double lambda = ModelConfig.DEFAULT_LAMBDA;

    @Option(names = "--train-data", description = "Training data: CSV manifest, folder, shard(s), IDX folder or emoji package")
    Path trainData;

    @Mixin
    DatasetOptions data = new DatasetOptions();

    @Option(names = "--val-data", description = "Validation data of the same --dataset-type (synthetic: held-out scenes)")
    Path valData;

    @Option(names = "--val-frequency", description = "Steps between validations: retrieval (and zero-shot when labelled) on"
            + " the validation data, logged to metrics.jsonl (0: off)")
    int valFrequency = 0;

    @Option(names = "--zeroshot-frequency", description = "Steps between zero-shot evaluations on held-out synthetic scenes"
            + " (0: off)")
    int zeroshotFrequency = 0;

    @Option(names = "--batch-size", description = "Samples per micro-batch")
    int batchSize = 64;

    @Option(names = "--accum-freq", description = "Micro-batches per optimizer step (contrastive negatives stay per micro-batch)")
    int accumulation = 1;

    @Option(names = "--steps", description = "Optimizer steps (overrides --epochs)")
    Integer steps;

    @Option(names = "--epochs", description = "Passes over the training data")
    double epochs = 1;

    @Option(names = "--lr", description = "Peak learning rate")
    double lr = 1e-3;

    @Option(names = "--wd", description = "AdamW weight decay (weight matrices only)")
    float weightDecay = 0.2f;

    @Option(names = "--beta1", description = "AdamW beta1")
    float beta1 = 0.9f;

    @Option(names = "--beta2", description = "AdamW beta2")
    float beta2 = 0.98f;

    @Option(names = "--eps", description = "AdamW epsilon")
    float eps = 1e-6f;

    @Option(names = "--warmup", description = "Warm-up steps (default: 10%% of the steps)")
    Integer warmup;

    @Option(names = "--lr-floor", description = "Learning rate at the end of the cosine decay")
    double lrFloor = 0;

    @Option(names = "--grad-clip-norm", description = "Clip the global gradient norm (0: off)")
    float gradClipNorm = 0;

    @Option(names = "--seed", description = "Seeds weights, data order and augmentation")
    long seed = 0;

    @Option(names = "--threads", description = "ONNX Runtime threads (0: all cores)")
    int threads = 0;

    @Option(names = "--device", description = "cpu or cuda[:id]")
    String device = "cpu";

    @Option(names = "--resume", description = "Continue from a checkpoint directory or 'latest' in --out")
    String resume;

    @Option(names = "--save-frequency", description = "Optimizer steps between checkpoints")
    int saveFrequency = 100;

    @Option(names = "--keep-checkpoints", description = "How many recent checkpoints to keep")
    int keepCheckpoints = 2;

    @Option(names = "--log-every", description = "Steps between lines in metrics.jsonl")
    int logEvery = 10;

    @Option(names = "--max-bad-steps", description = "Non-finite steps in a row before stopping")
    int maxBadSteps = 5;

    @Option(names = "--idf", description = "online, offline or off")
    String idf = "online";

    @Option(names = "--allow-resume-changes", description = "Resume with another batch size, accumulation, IDF mode"
            + " or --dual-caption than the checkpoint's (refused otherwise)")
    boolean allowResumeChanges;

    @Option(names = "--dual-caption", description = "Contrastive term on the caption, classification term and IDF on"
            + " the classification caption (--cls-caption-key; synthetic scenes: the long caption)")
    boolean dualCaption;

    @Option(names = "--lock-image", description = "Freeze the image tower (LiT)")
    boolean lockImage;

    @Option(names = "--out", description = "Run directory")
    Path out = Path.of("runs", "train");

    @Option(names = "--quiet", description = "No progress bar")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        ModelConfig base = Presets.get(model);
        ModelConfig.Loss lossKind = ModelConfig.Loss.valueOf(loss.toUpperCase(Locale.ROOT));
        ModelConfig config = new ModelConfig(base.embedDim(), base.vision(), base.text(), lossKind, lambda,
                new AdamW(beta1, beta2, eps, weightDecay, gradClipNorm));
        try (ImageTextDataset train = data.open(trainData, Split.TRAIN, seed, config.vision().imageSize())) {
            int perStep = batchSize * accumulation;
            int totalSteps = steps != null ? steps : (int) Math.max(1, Math.ceil(epochs * train.size() / perStep));
            List<String> frozen = new ArrayList<>();
            if (lockImage) {
                frozen.add(SuperClipModel.VISION_PREFIX);
            }
            TrainingConfig.Builder b = TrainingConfig.builder(model).model(config).batchSize(batchSize)
                    .accumulation(accumulation).steps(totalSteps).learningRate(lr).learningRateFloor(lrFloor).seed(seed)
                    .threads(threads).device(device).checkpointEvery(saveFrequency).keepCheckpoints(keepCheckpoints)
                    .logEvery(logEvery).maxBadStepsInARow(maxBadSteps).frozenPrefixes(frozen).output(out)
                    .dualCaption(dualCaption)
                    .idf(switch (idf) {
                        case "online" -> TrainingConfig.IdfMode.ONLINE;
                        case "offline" -> TrainingConfig.IdfMode.OFFLINE;
                        case "off" -> TrainingConfig.IdfMode.DISABLED;
                        default -> throw new IllegalArgumentException("--idf must be online, offline or off, got " + idf);
                    });
            if (warmup != null) {
                b.warmupSteps(warmup);
            }
            TrainingConfig tc = b.build();
            try (Trainer trainer = Trainer.create(tc, train)) {
                if (!quiet) {
                    trainer.addListener(ConsoleProgress.forConsole());
                }
                addValidation(trainer, config.vision().imageSize());
                if (allowResumeChanges) {
                    trainer.allowResumeChanges();
                }
                TrainingResult result = resume != null
                        ? trainer.resume(resume.equals("latest") ? null : Path.of(resume))
                        : trainer.train();
                Path encoders = trainer.exportEncoders(out.resolve("model"));
                System.out.printf(Locale.ROOT, "trained %d steps in %.1f s, final loss %.4f, %d skipped%n",
                        result.steps(), result.seconds(), result.finalLoss(), result.skippedSteps());
                System.out.println("checkpoint: " + result.checkpoint());
                System.out.println("encoders:   " + encoders);
                if (train.badSamples().total() > 0) {
                    System.out.println("bad samples: " + train.badSamples().summary());
                }
            }
        }
        return 0;
    }

    /** The --val-frequency and --zeroshot-frequency hooks: metrics of freshly exported encoders, by name. */
    private void addValidation(Trainer trainer, int imageSize) {
        int every = valFrequency > 0 && zeroshotFrequency > 0 ? Math.min(valFrequency, zeroshotFrequency)
                : Math.max(valFrequency, zeroshotFrequency);
        if (every <= 0) {
            return;
        }
        EvalOptions scenes = EvalOptions.scenes(seed, 500, data.longCaptions);
        trainer.validator(every, (step, encoders) -> {
            EvalReport report = new EvalReport();
            try (Model model = Model.load(encoders)) {
                if (zeroshotFrequency > 0 && step % zeroshotFrequency == 0) {
                    report = Benchmarks.evaluate(model, "scenes", scenes);
                }
                if (valFrequency > 0 && step % valFrequency == 0) {
                    if (data.type == DatasetOptions.Type.synthetic) {
                        report = Benchmarks.evaluate(model, "scenes", scenes);
                    } else if (valData != null) {
                        try (ImageTextDataset val = data.open(valData, Split.VALIDATION, seed, imageSize)) {
                            Benchmarks.evaluate(model, val, "val", scenes, report);
                        }
                    }
                }
            }
            Map<String, Double> metrics = new TreeMap<>();
            report.metrics().forEach((k, v) -> metrics.put(k, v.doubleValue()));
            return metrics;
        });
    }
}
