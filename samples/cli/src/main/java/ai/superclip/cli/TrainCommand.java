package ai.superclip.cli;

import ai.onnxruntime.OrtException;
import ai.superclip.artifacts.AdamW;
import ai.superclip.data.ImageTextDataset;
import ai.superclip.eval.Benchmarks;
import ai.superclip.eval.EvalOptions;
import ai.superclip.eval.EvalReport;
import ai.superclip.inference.Model;
import ai.superclip.interop.PretrainedModel;
import ai.superclip.data.Split;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.train.ConsoleProgress;
import ai.superclip.train.TowerLocks;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import ai.superclip.train.TrainingListener;
import ai.superclip.train.TrainingResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code superclip train}: open_clip-style flags over the SDK's trainer. The defaults of the flags that set a
 * {@link TrainingConfig} (AdamW's among them) are that of the default preset's {@code TrainingConfig}
 * ({@link Defaults}), not written here again.
 */
@Command(name = "train", mixinStandardHelpOptions = true, showDefaultValues = true, defaultValueProvider = TrainCommand.Defaults.class,
        description = "Train a SuperCLIP or CLIP model; writes artifacts, checkpoints, metrics.jsonl and the encoders.")
final class TrainCommand implements Callable<Integer> {
    static final String DEFAULT_PRESET = "tiny";

    /** The defaults of a {@link TrainingConfig} of {@link #DEFAULT_PRESET}, by flag. */
    static final class Defaults implements IDefaultValueProvider {
        private static final TrainingConfig CONFIG = TrainingConfig.builder(DEFAULT_PRESET).build();
        private static final Map<String, Object> BY_FLAG = Map.ofEntries(
                Map.entry("--lambda", CONFIG.model().lambda()),
                Map.entry("--batch-size", CONFIG.batchSize()),
                Map.entry("--accum-freq", CONFIG.accumulation()),
                Map.entry("--lr", CONFIG.learningRate()),
                Map.entry("--lr-floor", CONFIG.learningRateFloor()),
                Map.entry("--wd", CONFIG.adamW().weightDecay()),
                Map.entry("--beta1", CONFIG.adamW().beta1()),
                Map.entry("--beta2", CONFIG.adamW().beta2()),
                Map.entry("--eps", CONFIG.adamW().epsilon()),
                Map.entry("--grad-clip-norm", CONFIG.adamW().maxGradientNorm()),
                Map.entry("--seed", CONFIG.seed()),
                Map.entry("--threads", CONFIG.threads()),
                Map.entry("--device", CONFIG.device()),
                Map.entry("--save-frequency", CONFIG.checkpointEvery()),
                Map.entry("--keep-checkpoints", CONFIG.keepCheckpoints()),
                Map.entry("--log-every", CONFIG.logEvery()),
                Map.entry("--max-bad-steps", CONFIG.maxBadStepsInARow()),
                Map.entry("--out", CONFIG.output()));

        @Override
        public String defaultValue(ArgSpec arg) {
            Object v = arg instanceof OptionSpec o ? BY_FLAG.get(o.longestName()) : null;
            return v == null ? null : v.toString();
        }
    }
    @Option(names = "--model", completionCandidates = Presets.Names.class,
            description = "Preset: ${COMPLETION-CANDIDATES}")
    String model = DEFAULT_PRESET;

    @Option(names = "--loss", description = "clip or superclip")
    String loss = "superclip";

    @Option(names = "--lambda", description = "Weight of the classification loss")
    double lambda;

    @Option(names = "--train-data", description = "Training data: CSV manifest, folder, shard(s), IDX folder or emoji package (mnist, fashion-mnist, emoji: the installed copy when unset)")
    Path trainData;

    @Mixin
    DatasetOptions data = new DatasetOptions();

    @Option(names = "--val-data", description = "Validation data of the same --dataset-type (scenes: held-out scenes)")
    Path valData;

    @Option(names = "--val-frequency", description = "Steps between validations: retrieval (and zero-shot when labelled) on"
            + " the validation data, logged to metrics.jsonl (0: off)")
    int valFrequency = 0;

    @Option(names = "--zeroshot-frequency", description = "Steps between zero-shot evaluations on held-out synthetic scenes"
            + " (0: off)")
    int zeroshotFrequency = 0;

    @Option(names = "--batch-size", description = "Samples per micro-batch")
    int batchSize;

    @Option(names = "--accum-freq", description = "Micro-batches per optimizer step (contrastive negatives stay per micro-batch)")
    int accumulation;

    @Option(names = "--steps", description = "Optimizer steps (overrides --epochs)")
    Integer steps;

    @Option(names = "--epochs", description = "Passes over the training data")
    double epochs = 1;

    @Option(names = "--lr", description = "Peak learning rate")
    double lr;

    @Option(names = "--wd", description = "AdamW weight decay (weight matrices only)")
    float weightDecay;

    @Option(names = "--beta1", description = "AdamW beta1")
    float beta1;

    @Option(names = "--beta2", description = "AdamW beta2")
    float beta2;

    @Option(names = "--eps", description = "AdamW epsilon")
    float eps;

    @Option(names = "--warmup", description = "Warm-up steps (default: 10%% of the steps)")
    Integer warmup;

    @Option(names = "--lr-floor", description = "Learning rate at the end of the cosine decay")
    double lrFloor;

    @Option(names = "--grad-clip-norm", description = "Clip the global gradient norm (0: off)")
    float gradClipNorm;

    @Option(names = "--seed", description = "Seeds weights, data order and augmentation")
    long seed;

    @Option(names = "--threads", description = "ONNX Runtime threads (0: all cores)")
    int threads;

    @Option(names = "--device", description = "cpu or cuda[:id]")
    String device;

    @Option(names = "--resume", description = "Continue from a checkpoint directory or 'latest' in --out")
    String resume;

    @Option(names = "--save-frequency", description = "Optimizer steps between checkpoints")
    int saveFrequency;

    @Option(names = "--keep-checkpoints", description = "How many recent checkpoints to keep")
    int keepCheckpoints;

    @Option(names = "--log-every", description = "Steps between lines in metrics.jsonl")
    int logEvery;

    @Option(names = "--max-bad-steps", description = "Non-finite steps in a row before stopping")
    int maxBadSteps;

    @Option(names = "--idf", description = "online, offline or off")
    String idf = "online";

    @Option(names = "--pretrained", description = "Start from a pretrained open_clip, SuperCLIP or Hugging Face checkpoint"
            + " (safetensors file or directory); its architecture replaces --model")
    Path pretrained;

    @Option(names = "--allow-resume-changes", description = "Resume with another batch size, accumulation, IDF mode"
            + " or --dual-caption than the checkpoint's (refused otherwise)")
    boolean allowResumeChanges;

    @Option(names = "--dual-caption", description = "Contrastive term on the caption, classification term and IDF on"
            + " the classification caption (--cls-caption-key; synthetic scenes: the long caption)")
    boolean dualCaption;

    @Option(names = "--grad-checkpointing", description = "Recompute each transformer block in the backward pass"
            + " instead of keeping its activations: less memory, one more forward pass of the blocks per step")
    boolean gradCheckpointing;

    @Option(names = "--lock-image", description = "Freeze the image tower (LiT)")
    boolean lockImage;

    @Option(names = "--lock-image-unlocked-groups", description = "With --lock-image: leave the last N groups trainable")
    int lockImageUnlockedGroups = 0;

    @Option(names = "--lock-text", description = "Freeze the text tower")
    boolean lockText;

    @Option(names = "--lock-text-unlocked-layers", description = "With --lock-text: leave the last N groups trainable")
    int lockTextUnlockedLayers = 0;

    @Option(names = "--out", description = "Run directory")
    Path out;

    @Option(names = "--quiet", description = "No progress bar")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        ModelConfig base = pretrained != null ? PretrainedModel.architecture(pretrained) : Presets.get(model);
        ModelConfig.Loss lossKind = ModelConfig.Loss.valueOf(loss.toUpperCase(Locale.ROOT));
        ModelConfig config = new ModelConfig(base.embedDim(), base.vision(), base.text(), lossKind, lambda,
                new AdamW(beta1, beta2, eps, weightDecay, gradClipNorm));
        try (ImageTextDataset train = data.open(trainData, "--train-data", Split.TRAIN, seed, config.vision().imageSize())) {
            int perStep = batchSize * accumulation;
            int totalSteps = steps != null ? steps : (int) Math.max(1, Math.ceil(epochs * train.size() / perStep));
            List<String> frozen = new ArrayList<>();
            if (lockImage) {
                frozen.addAll(TowerLocks.image(config.vision(), lockImageUnlockedGroups));
            }
            if (lockText) {
                frozen.addAll(TowerLocks.text(config.text(), lockTextUnlockedLayers));
            }
            TrainingConfig.Builder b = TrainingConfig.builder(model).model(config).batchSize(batchSize)
                    .accumulation(accumulation).steps(totalSteps).learningRate(lr).learningRateFloor(lrFloor).seed(seed)
                    .threads(threads).device(device).checkpointEvery(saveFrequency).keepCheckpoints(keepCheckpoints)
                    .logEvery(logEvery).maxBadStepsInARow(maxBadSteps).frozenPrefixes(frozen).output(out)
                    .dualCaption(dualCaption).gradientCheckpointing(gradCheckpointing)
                    .idf(switch (idf) {
                        case "online" -> TrainingConfig.IdfMode.ONLINE;
                        case "offline" -> TrainingConfig.IdfMode.OFFLINE;
                        case "off" -> TrainingConfig.IdfMode.DISABLED;
                        default -> throw new IllegalArgumentException("--idf must be online, offline or off, got " + idf);
                    });
            if (warmup != null) {
                b.warmupSteps(warmup);
            }
            if (pretrained != null) {
                b.pretrained(pretrained);
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
                TrainingResult result = resume == null ? trainer.train()
                        : resume.equals("latest") ? resumeLatestOrStartFresh(trainer)
                        : trainer.resume(Path.of(resume));
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

    /** {@code --resume latest} with no checkpoint yet starts a fresh run and says so, as open_clip does. */
    private static TrainingResult resumeLatestOrStartFresh(Trainer trainer) throws OrtException {
        trainer.addListener(new TrainingListener() {
            @Override
            public void onStart(TrainingConfig config, long startStep) {
                if (startStep == 0) {
                    System.out.println("--resume latest: no checkpoint in " + trainer.checkpoints().root()
                            + " yet, starting a fresh run");
                }
            }
        });
        return trainer.resumeLatestOrTrain();
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
                    if (data.type == DatasetOptions.Type.SCENES) {
                        report = Benchmarks.evaluate(model, "scenes", scenes);
                    } else if (valData != null) {
                        try (ImageTextDataset val = data.open(valData, "--val-data", Split.VALIDATION, seed, imageSize)) {
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
