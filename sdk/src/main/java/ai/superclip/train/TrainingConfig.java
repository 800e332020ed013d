package ai.superclip.train;

import ai.superclip.runtime.TrainingSession;
import ai.superclip.artifacts.AdamW;
import ai.superclip.interop.PretrainedModel;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything a training run is told: the model, the optimisation schedule, the data budget, checkpointing and
 * output. Impossible settings fail at construction with a message naming the setting.
 *
 * <p><b>Gradient accumulation</b> ({@code accumulation} = k): each optimizer step sums the gradients of k
 * micro-batches of {@code batchSize}, each scaled by 1/k. For the classification term (a per-sample mean) k
 * micro-batches of m equal one batch of k·m exactly, its IDF-weighted targets included (the statistics are updated
 * once per step with all k·m captions before any micro-batch's loss). For the contrastive term, negatives are local to each
 * micro-batch (open_clip without its feature cache): the loss of k micro-batches of m is not the loss of one
 * batch of k·m, which would contrast every pair across micro-batches.
 *
 * @param model architecture, loss, λ and AdamW (betas, eps, weight decay, gradient clipping)
 * @param batchSize samples per micro-batch
 * @param accumulation micro-batches per optimizer step
 * @param steps optimizer steps to run
 * @param learningRate peak learning rate
 * @param warmupSteps linear warm-up steps before the cosine decay
 * @param learningRateFloor the rate the cosine decays to
 * @param seed seeds initial weights, data order and augmentation
 * @param threads ONNX Runtime intra-op threads (0: one per core)
 * @param checkpointEvery optimizer steps between checkpoints (0: only at the end)
 * @param keepCheckpoints how many recent checkpoints to keep
 * @param maxBadStepsInARow consecutive non-finite steps tolerated before training stops
 * @param idf IDF weighting of the classification targets: online (the reference), offline or disabled
 * @param dualCaption DualCaption training: the contrastive term on each record's caption, the classification term
 *     (and the IDF statistics) on its {@linkplain ai.superclip.data.ImageTextDataset#classificationCaption
 *     classification caption}
 * @param frozenPrefixes parameter-name prefixes to freeze (e.g. "visual." to lock the image tower)
 * @param output run directory: artifacts, checkpoints, metrics log, exported encoders
 * @param device "cpu" or "cuda[:id]"
 * @param logEvery optimizer steps between metric lines
 * @param pretrained a pretrained checkpoint (open_clip, SuperCLIP or Hugging Face; file or directory) to start
 *     from, or null for fresh weights; the model's architecture must be the checkpoint's
 *     ({@link Builder#pretrained} sets it)
 * @param gradientCheckpointing open_clip's {@code --grad-checkpointing}: the training model recomputes each
 *     transformer block in its backward pass instead of keeping the block's activations, for less memory at the cost
 *     of one more forward pass of the blocks; the gradients are the same (a setting of the run's artifacts, free to
 *     change at resume)
 */
public record TrainingConfig(ModelConfig model, int batchSize, int accumulation, int steps, double learningRate,
        int warmupSteps, double learningRateFloor, long seed, int threads, int checkpointEvery, int keepCheckpoints,
        int maxBadStepsInARow, IdfMode idf, boolean dualCaption, List<String> frozenPrefixes, Path output, String device,
        int logEvery, Path pretrained, boolean gradientCheckpointing) {

    /** How the classification targets are weighted. */
    public enum IdfMode { ONLINE, OFFLINE, DISABLED }

    public TrainingConfig {
        require(model != null, "model must be set");
        require(batchSize >= 2, "batch size must be at least 2 (the contrastive loss needs negatives), got " + batchSize);
        require(accumulation >= 1, "accumulation steps must be >= 1, got " + accumulation);
        require(steps >= 1, "steps must be >= 1, got " + steps);
        require(learningRate > 0 && Double.isFinite(learningRate), "learning rate must be positive, got " + learningRate);
        require(warmupSteps >= 0, "warm-up steps must be >= 0, got " + warmupSteps);
        require(learningRateFloor >= 0 && learningRateFloor <= learningRate,
                "learning-rate floor must lie in [0, lr], got " + learningRateFloor);
        require(threads >= 0, "threads must be >= 0 (0 = all cores), got " + threads);
        require(checkpointEvery >= 0, "checkpoint interval must be >= 0, got " + checkpointEvery);
        require(keepCheckpoints >= 1, "keep-checkpoints must be >= 1, got " + keepCheckpoints);
        require(maxBadStepsInARow >= 1, "max bad steps in a row must be >= 1, got " + maxBadStepsInARow);
        require(logEvery >= 1, "log interval must be >= 1, got " + logEvery);
        require(TrainingSession.Options.isDevice(device), "device must be cpu or cuda[:id], got " + device);
        require(output != null, "output directory must be set");
        idf = idf == null ? IdfMode.ONLINE : idf;
        frozenPrefixes = List.copyOf(frozenPrefixes);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A builder with the defaults of {@code preset}: batch 64, lr 1e-3, 10 % warm-up, the preset's AdamW. */
    public static Builder builder(String preset) {
        return new Builder(Presets.get(preset));
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder(model);
        b.batchSize = batchSize;
        b.accumulation = accumulation;
        b.steps = steps;
        b.learningRate = learningRate;
        b.warmupSteps = warmupSteps;
        b.learningRateFloor = learningRateFloor;
        b.seed = seed;
        b.threads = threads;
        b.checkpointEvery = checkpointEvery;
        b.keepCheckpoints = keepCheckpoints;
        b.maxBadStepsInARow = maxBadStepsInARow;
        b.idf = idf;
        b.dualCaption = dualCaption;
        b.frozenPrefixes = frozenPrefixes;
        b.output = output;
        b.device = device;
        b.logEvery = logEvery;
        b.pretrained = pretrained;
        b.gradientCheckpointing = gradientCheckpointing;
        return b;
    }

    /** Fluent construction; {@link #build()} validates. */
    public static final class Builder {
        private ModelConfig model;
        private int batchSize = 64;
        private int accumulation = 1;
        private int steps = 1000;
        private double learningRate = 1e-3;
        private Integer warmupSteps;
        private double learningRateFloor = 0;
        private long seed;
        private int threads;
        private int checkpointEvery = 100;
        private int keepCheckpoints = 2;
        private int maxBadStepsInARow = 5;
        private IdfMode idf = IdfMode.ONLINE;
        private boolean dualCaption;
        private List<String> frozenPrefixes = List.of();
        private Path output = Path.of("runs", "train");
        private String device = "cpu";
        private int logEvery = 10;
        private Path pretrained;
        private boolean gradientCheckpointing;

        private Builder(ModelConfig model) {
            this.model = model;
        }

        public Builder model(ModelConfig v) {
            model = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder accumulation(int v) {
            accumulation = v;
            return this;
        }

        public Builder steps(int v) {
            steps = v;
            return this;
        }

        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        /** Defaults to 10 % of the steps. */
        public Builder warmupSteps(int v) {
            warmupSteps = v;
            return this;
        }

        public Builder learningRateFloor(double v) {
            learningRateFloor = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder threads(int v) {
            threads = v;
            return this;
        }

        public Builder checkpointEvery(int v) {
            checkpointEvery = v;
            return this;
        }

        public Builder keepCheckpoints(int v) {
            keepCheckpoints = v;
            return this;
        }

        public Builder maxBadStepsInARow(int v) {
            maxBadStepsInARow = v;
            return this;
        }

        public Builder idf(IdfMode v) {
            idf = v;
            return this;
        }

        /** DualCaption training (off by default): see {@link TrainingConfig#dualCaption()}. */
        public Builder dualCaption(boolean v) {
            dualCaption = v;
            return this;
        }

        public Builder frozenPrefixes(List<String> v) {
            frozenPrefixes = v;
            return this;
        }

        public Builder output(Path v) {
            output = v;
            return this;
        }

        public Builder device(String v) {
            device = v;
            return this;
        }

        public Builder logEvery(int v) {
            logEvery = v;
            return this;
        }

        /** Gradient checkpointing (off by default): see {@link TrainingConfig#gradientCheckpointing()}. */
        public Builder gradientCheckpointing(boolean v) {
            gradientCheckpointing = v;
            return this;
        }

        /**
         * Starts from the weights of pretrained checkpoint {@code checkpoint} and takes its architecture (the loss,
         * λ and AdamW stay as set): a fresh SuperCLIP head when it has none, its IDF statistics when it has them.
         */
        public Builder pretrained(Path checkpoint) {
            ModelConfig a = PretrainedModel.architecture(checkpoint);
            model = new ModelConfig(a.embedDim(), a.vision(), a.text(), model.loss(), model.lambda(), model.adamW());
            pretrained = checkpoint;
            return this;
        }

        public TrainingConfig build() {
            int warmup = warmupSteps != null ? warmupSteps : steps / 10;
            return new TrainingConfig(model, batchSize, accumulation, steps, learningRate, warmup, learningRateFloor,
                    seed, threads, checkpointEvery, keepCheckpoints, maxBadStepsInARow, idf, dualCaption, frozenPrefixes,
                    output, device, logEvery, pretrained, gradientCheckpointing);
        }
    }

    /** The AdamW settings in force. */
    public AdamW adamW() {
        return model.adamW();
    }

    /** The ONNX Runtime session settings the run trains with: its threads and device, deterministic kernels. */
    public TrainingSession.Options sessionOptions() {
        return new TrainingSession.Options(threads, true, device);
    }

    /** The learning rate schedule of this run. */
    public LearningRateSchedule schedule() {
        return new LearningRateSchedule(learningRate, warmupSteps, steps, learningRateFloor);
    }
}
