package ai.superclip.train;

import ai.onnxruntime.OrtException;
import ai.superclip.artifacts.OrtCheckpoint;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.data.Batch;
import ai.superclip.data.BatchLoader;
import ai.superclip.data.ImagePreprocessor;
import ai.superclip.data.ImageTextDataset;
import ai.superclip.data.Position;
import ai.superclip.distributed.Collective;
import ai.superclip.distributed.CollectiveException;
import ai.superclip.distributed.SingleProcess;
import ai.superclip.inference.Model;
import ai.superclip.interop.PretrainedModel;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.SuperClipModel;
import ai.superclip.runtime.TrainingSession;
import ai.superclip.tokenization.ClipTokenizer;
import ai.superclip.tokenization.IdfStatistics;
import ai.superclip.tokenization.TokenTargets;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Trains a SuperCLIP (or CLIP) model on an image-text dataset through ONNX Runtime's training API.
 *
 * <p>A run directory holds {@code artifacts/} (the four training artifacts), {@code checkpoints/step-N/}
 * (ONNX Runtime's checkpoint with optimizer state, for large models with its parameters in {@code checkpoint.data}
 * beside it, the IDF statistics and {@code state.json}, a {@link RunState}), and {@code metrics.jsonl} (one JSON
 * object per logged step). Each step ({@link StepRunner}) loads its
 * {@code accumulation} micro-batches, updates the online IDF statistics once with all their captions (the
 * reference's global batch), then for each micro-batch feeds the images, the token ids and the IDF-weighted token
 * targets and runs forward and backward; then it sets the scheduled learning rate and steps AdamW. The step's
 * micro-batches are held together until it ends (as open_clip's accumulation holds them). With
 * {@link TrainingConfig#dualCaption()} the targets and the IDF statistics come from each record's classification
 * caption, the contrastive term from its caption. A step whose loss is not finite is skipped (its gradients dropped) and counted; too
 * many in a row stop the run with a message naming the step and the last good checkpoint. A non-finite
 * gradient behind a finite loss is not seen at the step; it is caught when the next checkpoint is written:
 * a checkpoint whose parameters are not all finite is refused (it would never be a good one to resume from).
 *
 * <pre>{@code
 * TrainingConfig config = TrainingConfig.builder("tiny").steps(300).output(Path.of("runs/tiny")).build();
 * try (Trainer trainer = Trainer.create(config, dataset)) {
 *     TrainingResult result = trainer.train();
 *     trainer.exportEncoders(Path.of("runs/tiny/model"));
 * }
 * }</pre>
 */
public final class Trainer implements AutoCloseable {
    public static final String ARTIFACTS = "artifacts";
    /** Appended to {@link #ARTIFACTS} for the artifacts that recompute the blocks (gradient checkpointing). */
    public static final String RECOMPUTING_SUFFIX = "-grad-checkpointing";
    /** The artifacts of data-parallel workers ({@link SuperClipModel#writeWorkerArtifacts}), beside the single-process ones. */
    public static final String WORKER_ARTIFACTS = "worker-artifacts";
    public static final String CHECKPOINTS = "checkpoints";
    public static final String METRICS = "metrics.jsonl";
    static final String ORT_CHECKPOINT = TrainingArtifacts.CHECKPOINT;
    /** The IDF statistics file in each checkpoint directory. */
    public static final String IDF_FILE = "idf.bin";
    /**
     * Fewest samples a micro-batch shrunk by skipped bad samples may train on: with one sample the contrastive loss
     * has no negatives and every IDF weight is 0, so such a batch is dropped and reported instead.
     */
    static final int MIN_MICRO_BATCH = 2;
    /** The loader's buffer of the classification captions' token ids, in DualCaption training. */
    static final String CLS_CAPTION_IDS = "cls_caption_ids";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = Logger.getLogger("ai.superclip.train");

    /** Evaluates exported encoders during training; returns metrics by name. */
    @FunctionalInterface
    public interface Validator {
        Map<String, Double> validate(long step, Path encoders) throws Exception;
    }

    /** Sees (and may alter) each micro-batch before it is fed; a test hook for fault injection. */
    @FunctionalInterface
    interface BatchHook {
        void accept(long step, int micro, Batch batch);
    }

    private final TrainingConfig config;
    private final ModelConfig model;
    /** {@link #model} as JSON, recorded in every checkpoint's state file and compared on resume. */
    private final JsonNode modelJson;
    private final ImageTextDataset data;
    private final ClipTokenizer tokenizer;
    private final TokenTargets targets;
    private final CheckpointStore store;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private Validator validator;
    private int validateEvery;
    private BatchHook batchHook;
    private boolean allowResumeChanges;
    private Collective collective = SingleProcess.INSTANCE;

    private Trainer(TrainingConfig config, ImageTextDataset data) {
        this.config = config;
        this.data = data;
        this.tokenizer = ClipTokenizer.clip(config.model().text().contextLength());
        this.model = config.model().withTokenizer(tokenizer.vocabularySize(), tokenizer.contextLength());
        try {
            this.modelJson = JSON.readTree(model.toJson());
        } catch (IOException e) {
            throw new IllegalStateException("the model config's own JSON does not parse", e);
        }
        this.targets = TokenTargets.of(tokenizer, true);
        this.store = new CheckpointStore(config.output().resolve(CHECKPOINTS), config.keepCheckpoints());
        if (data.size() < config.batchSize()) {
            throw new IllegalArgumentException("the dataset has " + data.size() + " records, fewer than one batch of "
                    + config.batchSize());
        }
    }

    /** A trainer for {@code config} over {@code data}; nothing runs until {@link #train()} or {@link #resume}. */
    public static Trainer create(TrainingConfig config, ImageTextDataset data) {
        return new Trainer(config, data);
    }

    public Trainer addListener(TrainingListener listener) {
        listeners.add(listener);
        return this;
    }

    /** Runs {@code validator} on freshly exported encoders every {@code everySteps} steps (and at the end). */
    public Trainer validator(int everySteps, Validator validator) {
        if (everySteps < 1) {
            throw new IllegalArgumentException("validation interval must be >= 1, got " + everySteps);
        }
        this.validateEvery = everySteps;
        this.validator = validator;
        return this;
    }

    /**
     * Lets {@link #resume} continue with a batch size, accumulation, IDF mode or DualCaption setting other than the
     * checkpoint's (by default refused); a different IDF mode starts that mode's statistics afresh.
     */
    public Trainer allowResumeChanges() {
        this.allowResumeChanges = true;
        return this;
    }

    /**
     * Trains as worker {@link Collective#rank()} of {@link Collective#size()} in synchronous data-parallel training
     * (docs/distributed.md): the configured batch size is the global batch, of which each worker loads and computes
     * its own rows; every step equals one process's step over the global batch. All workers share the output
     * directory; worker 0 writes the artifacts, the checkpoints and {@value #METRICS}, and every worker resumes from
     * the same checkpoint. The trainer does not close the collective.
     */
    public Trainer collective(Collective collective) {
        if (config.batchSize() % collective.size() != 0) {
            throw new IllegalArgumentException("batch size " + config.batchSize() + " does not split evenly over "
                    + collective.size() + " workers");
        }
        if (collective.size() > 1 && config.gradientCheckpointing()) {
            throw new IllegalArgumentException("gradient checkpointing is not available in data-parallel training yet");
        }
        this.collective = collective;
        return this;
    }

    /** Test hook: called with every micro-batch after loading, before its tensors are created. */
    Trainer batchHook(BatchHook hook) {
        this.batchHook = hook;
        return this;
    }

    public TrainingConfig config() {
        return config;
    }

    /** The model as trained: the configured one with the tokenizer's vocabulary and context length. */
    public ModelConfig model() {
        return model;
    }

    public CheckpointStore checkpoints() {
        return store;
    }

    /** Trains from freshly initialised weights (seeded) for the configured number of steps. */
    public TrainingResult train() throws OrtException {
        Path artifacts = artifacts();
        PretrainedModel pretrained = config.pretrained() == null ? null : loadPretrained();
        writeArtifacts(artifacts, pretrained == null ? Map.of() : pretrained.weights(), false);
        System.gc(); // hands the heap that held the initial weights back before ONNX Runtime allocates its own copy
        IdfStatistics idf = pretrained != null && pretrained.idf() != null && config.idf() == TrainingConfig.IdfMode.ONLINE
                ? IdfStatistics.online(pretrained.idf().frequencies(), pretrained.idf().samples())
                : newIdfStatistics();
        return run(artifacts.resolve(ORT_CHECKPOINT), idf, new RunState.Position(0, 0, 0, 0));
    }

    /** Fresh IDF statistics of the configured mode. */
    private IdfStatistics newIdfStatistics() {
        return switch (config.idf()) {
            case ONLINE -> IdfStatistics.online(tokenizer.vocabularySize());
            case DISABLED -> IdfStatistics.disabled(tokenizer.vocabularySize());
            case OFFLINE -> IdfStatistics.offline(captions(), tokenizer, targets);
        };
    }

    /** The configured pretrained checkpoint, which must hold the model trained and use CLIP's image normalisation. */
    private PretrainedModel loadPretrained() {
        PretrainedModel p = PretrainedModel.load(config.pretrained());
        ModelConfig c = p.config();
        if (c.embedDim() != model.embedDim() || !c.vision().equals(model.vision()) || !c.text().equals(model.text())) {
            throw new IllegalArgumentException(config.pretrained() + " holds " + c.toJson() + ", not the configured "
                    + model.toJson() + " (TrainingConfig.Builder.pretrained takes the checkpoint's architecture)");
        }
        if (!Arrays.equals(p.imageMean(), InferenceExport.IMAGE_MEAN) || !Arrays.equals(p.imageStd(), InferenceExport.IMAGE_STD)) {
            throw new IllegalArgumentException(config.pretrained() + " normalises images with mean "
                    + Arrays.toString(p.imageMean()) + " and std " + Arrays.toString(p.imageStd())
                    + "; fine-tuning supports CLIP's normalisation only");
        }
        return p;
    }

    /**
     * Continues from a checkpoint directory ({@code checkpoints/step-N}), or from the newest complete one
     * when {@code checkpoint} is null ("latest"). With deterministic settings the parameters at any later step
     * equal those of an uninterrupted run. A model, batch size, accumulation, IDF mode or DualCaption setting other
     * than the checkpoint's is refused, naming the setting (all but the model allowed by {@link #allowResumeChanges}).
     */
    public TrainingResult resume(Path checkpoint) throws OrtException {
        if (checkpoint == null) {
            return resumeVerified(store.latest().orElseThrow(() -> new CheckpointException(
                    "no complete checkpoint in " + store.root() + " to resume from")));
        }
        CheckpointStore.verify(checkpoint);
        return resumeVerified(checkpoint);
    }

    /**
     * open_clip's {@code --resume latest}: continues from the newest complete checkpoint or, when this run has
     * none yet, starts fresh, which is what a preemptible job's wrapper that always asks for "latest" needs.
     * {@link TrainingListener#onStart}'s start step (0 for a fresh run) tells which happened. Data-parallel workers
     * all take worker 0's pick.
     */
    public TrainingResult resumeLatestOrTrain() throws OrtException {
        Optional<Path> latest = store.latest(); // latest() verifies its pick
        if (distributed()) {
            latest = workerZerosPick(latest);
        }
        return latest.isPresent() ? resumeVerified(latest.get()) : train();
    }

    /**
     * Worker 0's newest checkpoint, which every worker must see complete: workers that chose on their own could
     * disagree while a checkpoint of a failed attempt is still being renamed into place, or never agree when the run
     * directory is not one shared file system.
     */
    private Optional<Path> workerZerosPick(Optional<Path> mine) {
        float[] step = {mine.map(CheckpointStore::stepOf).orElse(-1L)}; // exact as a float up to 2^24 steps
        long chosen = (long) collective.allGather(step)[0][0];
        if (chosen < 0) {
            return Optional.empty();
        }
        return Optional.of(store.complete().stream().filter(p -> CheckpointStore.stepOf(p) == chosen).findFirst()
                .orElseThrow(() -> new CheckpointException("worker " + collective.rank() + " does not see worker 0's"
                        + " newest checkpoint, step " + chosen + ", complete in " + store.root()
                        + ": every worker must reach the run directory on one shared file system")));
    }

    private TrainingResult resumeVerified(Path dir) throws OrtException {
        RunState saved = RunState.read(dir);
        requireSameModel(dir, saved.model());
        IdfStatistics idf = IdfStatistics.load(dir.resolve(IDF_FILE));
        String changed = changedSettings(saved, idf);
        if (!changed.isEmpty() && !allowResumeChanges) {
            throw new CheckpointException("cannot resume from " + dir + ": " + changed
                    + "; resume with the checkpoint's settings, or allow the change explicitly (Trainer.allowResumeChanges,"
                    + " --allow-resume-changes)");
        }
        if (!idf.mode().name().equals(config.idf().name())) {
            idf = newIdfStatistics();
        }
        writeArtifacts(artifacts(), Map.of(), true);
        return run(dir.resolve(ORT_CHECKPOINT), idf, saved.state());
    }

    /** Whether steps go through the collective: any collective but the single-process one, a 1-worker ring included. */
    private boolean distributed() {
        return collective != SingleProcess.INSTANCE;
    }

    /**
     * The run's training artifacts: {@value #ARTIFACTS}, {@value #ARTIFACTS}{@value #RECOMPUTING_SUFFIX} for those that
     * recompute the blocks, or a data-parallel worker's {@value #WORKER_ARTIFACTS}.
     */
    private Path artifacts() {
        if (distributed()) {
            return config.output().resolve(WORKER_ARTIFACTS);
        }
        return config.output().resolve(config.gradientCheckpointing() ? ARTIFACTS + RECOMPUTING_SUFFIX : ARTIFACTS);
    }

    /**
     * Writes the training artifacts, or with {@code keepExisting} only when there are none: data-parallel workers'
     * on worker 0, which decides alone, the others waiting for it.
     */
    private void writeArtifacts(Path artifacts, Map<String, float[]> initialValues, boolean keepExisting) {
        boolean write = !keepExisting || !Files.isRegularFile(artifacts.resolve(TrainingArtifacts.TRAINING_MODEL));
        if (!distributed()) {
            if (write) {
                SuperClipModel.writeTrainingArtifacts(artifacts, model, config.frozenPrefixes(), initialValues,
                        config.seed(), config.gradientCheckpointing());
            }
            return;
        }
        if (collective.rank() == 0 && write) {
            SuperClipModel.writeWorkerArtifacts(artifacts, model, config.frozenPrefixes(), initialValues, config.seed());
        }
        collective.barrier();
    }

    /** The run settings that differ from the checkpoint's, as "name: checkpoint X, this run Y" (or ""). */
    private String changedSettings(RunState saved, IdfStatistics idf) {
        List<String> changed = new ArrayList<>();
        if (!idf.mode().name().equals(config.idf().name())) {
            changed.add("IDF mode: checkpoint " + idf.mode() + ", this run " + config.idf());
        }
        if (saved.batchSize() != null && saved.batchSize() != config.batchSize()) {
            changed.add("batch size: checkpoint " + saved.batchSize() + ", this run " + config.batchSize());
        }
        if (saved.dualCaption() != null && saved.dualCaption() != config.dualCaption()) {
            changed.add("dual caption: checkpoint " + saved.dualCaption() + ", this run " + config.dualCaption());
        }
        if (saved.accumulation() != null && saved.accumulation() != config.accumulation()) {
            changed.add("accumulation: checkpoint " + saved.accumulation() + ", this run " + config.accumulation());
        }
        return String.join("; ", changed);
    }

    private TrainingResult run(Path ortCheckpoint, IdfStatistics idf, RunState.Position start) throws OrtException {
        Path artifacts = artifacts();
        long begin = System.nanoTime();
        int context = tokenizer.contextLength();
        LearningRateSchedule schedule = config.schedule();
        long step = start.step();
        long skipped = start.skipped();
        int badInARow = 0;
        double lastLoss = Double.NaN;
        Path lastCheckpoint = null;
        boolean withMoments = momentsFit(ortCheckpoint);
        if (!withMoments) {
            LOG.warning("the AdamW moments of this model pass the 2 GiB ONNX Runtime can write: checkpoints"
                    + " keep the parameters only, and a resumed run starts the moments afresh");
        }
        boolean writes = collective.rank() == 0;
        try (MetricsLog log = new MetricsLog(config.output().resolve(writes ? METRICS : "metrics-rank" + collective.rank() + ".jsonl"));
                TrainingSession session = TrainingSession.open(ortCheckpoint,
                        artifacts.resolve(TrainingArtifacts.TRAINING_MODEL), artifacts.resolve(TrainingArtifacts.EVAL_MODEL),
                        artifacts.resolve(TrainingArtifacts.OPTIMIZER_MODEL), config.sessionOptions());
                BatchLoader loader = loader(start, config.batchSize(), context, config.accumulation());
                StepExecutor runner = stepExecutor(session, ortCheckpoint, context)) {
            listeners.forEach(l -> l.onStart(config, start.step()));
            Position position = new Position(start.epoch(), start.index());
            while (step < config.steps()) {
                long stepStart = System.nanoTime();
                double lr = schedule.at((int) step);
                List<Batch> micros = nextMicroBatches(loader, step + 1);
                StepRunner.Outcome outcome;
                try {
                    outcome = runner.step(micros, lr, idf);
                    position = micros.get(micros.size() - 1).nextPosition();
                } finally {
                    micros.forEach(Batch::close);
                }
                step++;
                if (outcome.finite()) {
                    badInARow = 0;
                    lastLoss = outcome.loss();
                } else {
                    skipped++;
                    badInARow++;
                    if (badInARow >= config.maxBadStepsInARow()) {
                        throw new TrainingException("stopped at step " + step + " after " + badInARow
                                + " non-finite losses in a row; last good checkpoint: "
                                + store.latest().map(Path::toString).orElse("none"));
                    }
                }
                double seconds = (System.nanoTime() - stepStart) / 1e9;
                StepMetrics m = new StepMetrics(step, config.steps(), outcome.loss(), outcome.clipLoss(),
                        outcome.clsLoss(), outcome.scale(), lr, outcome.samples() / seconds, !outcome.finite(), skipped);
                if (step % config.logEvery() == 0 || step == config.steps() || !outcome.finite()) {
                    log.write(m);
                }
                listeners.forEach(l -> l.onStep(m));
                boolean last = step == config.steps();
                boolean validating = validator != null && (step % validateEvery == 0 || last);
                if (last || validating || (config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0)) {
                    if (writes) {
                        lastCheckpoint = checkpoint(session, idf,
                                new RunState.Position(step, position.epoch(), position.index(), skipped), withMoments);
                        if (validating) { // validation reads the encoders of the checkpoint just written
                            validate(step, lastCheckpoint, log);
                        }
                    }
                    collective.barrier(); // no worker runs ahead of a checkpoint it may have to resume from
                }
            }
        } catch (OrtException | CollectiveException e) {
            throw new TrainingException("training failed at step " + (step + 1) + ": " + e.getMessage()
                    + "; last good checkpoint: " + store.latest().map(Path::toString).orElse("none"), e);
        }
        TrainingResult result = new TrainingResult(step, (System.nanoTime() - begin) / 1e9, lastLoss, skipped,
                lastCheckpoint != null ? lastCheckpoint : store.latest().orElse(null));
        listeners.forEach(l -> l.onFinish(result));
        return result;
    }

    /** The step of one process, or of one data-parallel worker. */
    private StepExecutor stepExecutor(TrainingSession session, Path ortCheckpoint, int context) throws OrtException {
        String targetCaptions = classifiesSecondCaptions() ? CLS_CAPTION_IDS : SuperClipModel.INPUT_IDS;
        if (distributed()) {
            return new DataParallelStepRunner(session, collective, ortCheckpoint, model, config.accumulation(), context,
                    targets, targetCaptions);
        }
        return new StepRunner(session, model, config.batchSize(), config.accumulation(), context, targets, targetCaptions);
    }

    /** The configured accumulation of micro-batches for step {@code step}, held together until the step ends. */
    private List<Batch> nextMicroBatches(BatchLoader loader, long step) {
        List<Batch> micros = new ArrayList<>(config.accumulation());
        try {
            for (int micro = 0; micro < config.accumulation(); micro++) {
                Batch b = loader.next();
                micros.add(b);
                if (batchHook != null) {
                    batchHook.accept(step, micro, b);
                }
            }
            return micros;
        } catch (RuntimeException e) {
            micros.forEach(Batch::close);
            throw e;
        }
    }

    /**
     * The training data from {@code start}: shuffled, augmented, whole batches, the captions tokenized on the
     * workers, room for the {@code heldPerStep} micro-batches a step holds.
     */
    private BatchLoader loader(RunState.Position start, int batch, int context, int heldPerStep) {
        BatchLoader.Builder b = BatchLoader.builder(data, new ImagePreprocessor(model.vision().imageSize()))
                .batchSize(batch).workers(2).prefetch(Math.max(4, heldPerStep)).seed(config.seed()).shuffle(true)
                .augment(true).dropLast(true).minBatchSize(distributed() ? 1 : MIN_MICRO_BATCH).epochs(Integer.MAX_VALUE)
                .startAt(new Position(start.epoch(), start.index())).longBuffer(SuperClipModel.INPUT_IDS, context)
                .shard(collective.rank(), collective.size())
                .onBatchFilled(this::tokenize);
        if (classifiesSecondCaptions()) {
            b.longBuffer(CLS_CAPTION_IDS, context);
        }
        return b.build();
    }

    /** Whether the classification term reads each record's second caption (DualCaption with the SuperCLIP loss). */
    private boolean classifiesSecondCaptions() {
        return config.dualCaption() && model.loss() == ModelConfig.Loss.SUPERCLIP;
    }

    /** Tokenizes a loaded batch (on the loader's workers): its captions and, for DualCaption, its classification captions. */
    private void tokenize(Batch b) {
        tokenizer.encodeBatch(b.captions(), StepRunner.rows(b.longBuffer(SuperClipModel.INPUT_IDS), 0));
        if (classifiesSecondCaptions()) {
            List<String> classification = new ArrayList<>(b.size());
            for (int i = 0; i < b.size(); i++) {
                classification.add(data.classificationCaption(b.index(i)));
            }
            tokenizer.encodeBatch(classification, StepRunner.rows(b.longBuffer(CLS_CAPTION_IDS), 0));
        }
    }

    private Path checkpoint(TrainingSession session, IdfStatistics idf, RunState.Position state, boolean withMoments) {
        Path written = store.write(state.step(), dir -> {
            saveOrtCheckpoint(session, dir, state.step(), withMoments);
            idf.save(dir.resolve(IDF_FILE));
            RunState.of(state, withMoments, modelJson, config).write(dir);
        });
        listeners.forEach(l -> l.onCheckpoint(state.step(), written));
        return written;
    }

    /**
     * Saves the session's ONNX Runtime checkpoint into {@code dir} (a checkpoint's temporary directory, so that
     * every file ORT writes is covered by the manifest and renamed into place with the rest) and refuses it unless
     * its parameters are all finite. ORT 1.24 writes the parameters to {@code checkpoint.data} beside the file when
     * the checkpoint it loaded had one (the form {@code TrainingArtifacts} gives large models), but the optimizer
     * moments always inline, in one flatbuffer that cannot pass 2 GiB: past that ({@code withMoments} false, see
     * {@link #momentsFit}) only the parameters are saved.
     */
    static void saveOrtCheckpoint(TrainingSession session, Path dir, long step, boolean withMoments)
            throws OrtException {
        session.saveCheckpoint(dir.resolve(ORT_CHECKPOINT), withMoments);
        requireFiniteParameters(dir.resolve(ORT_CHECKPOINT), step);
    }

    /**
     * Whether ONNX Runtime can save AdamW's two moments per trainable parameter of {@code ortCheckpoint} inline (with
     * room for the tables): up to about 240 M trainable parameters.
     */
    static boolean momentsFit(Path ortCheckpoint) {
        return 2 * OrtCheckpoint.trainableBytes(ortCheckpoint) <= OrtCheckpoint.EXTERNAL_DATA_THRESHOLD;
    }

    /**
     * Refuses a checkpoint whose parameters are not all finite: a non-finite gradient or update behind a finite
     * loss (which the per-step loss check cannot see) would otherwise be saved as a "good" checkpoint. Streams the
     * parameters from the file (about what hashing it for the manifest costs), in bounded memory.
     */
    private static void requireFiniteParameters(Path ortCheckpoint, long step) {
        String bad = OrtCheckpoint.firstNonFiniteParameter(ortCheckpoint);
        if (bad != null) {
            throw new TrainingException("parameter " + bad + " is not finite at step " + step
                    + " (a non-finite gradient or update with a finite loss); checkpoint refused");
        }
    }

    /** Fails naming the first setting where the checkpoint's recorded model differs from this run's. */
    private void requireSameModel(Path dir, JsonNode saved) {
        if (saved == null) {
            return; // written before the model was recorded
        }
        String difference = difference("", saved, modelJson);
        if (difference != null) {
            throw new CheckpointException("cannot resume from " + dir + ": the checkpoint's model differs from this run's in "
                    + difference);
        }
    }

    private static String difference(String path, JsonNode saved, JsonNode ours) {
        if (saved.isObject() && ours.isObject()) {
            for (Iterator<String> it = ours.fieldNames(); it.hasNext();) {
                String name = it.next();
                JsonNode s = saved.get(name);
                if (s == null) {
                    return path + name + " (absent from the checkpoint)";
                }
                String d = difference(path + name + ".", s, ours.get(name));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        boolean same = saved.isNumber() && ours.isNumber() ? saved.asDouble() == ours.asDouble() : saved.equals(ours);
        return same ? null : path.substring(0, path.length() - 1) + ": checkpoint " + saved + ", this run " + ours;
    }

    private void validate(long step, Path checkpoint, MetricsLog log) {
        Path encoders = config.output().resolve("validation-model");
        try {
            exportEncoders(checkpoint, encoders);
            Map<String, Double> metrics = validator.validate(step, encoders);
            log.writeValidation(step, metrics);
            listeners.forEach(l -> l.onValidation(step, metrics));
        } catch (Exception e) {
            throw new TrainingException("validation at step " + step + " failed: " + e.getMessage(), e);
        }
    }

    /** Writes {@code image_encoder.onnx} and {@code text_encoder.onnx} from the newest checkpoint. */
    public Path exportEncoders(Path dir) {
        Path latest = store.latest().orElseThrow(() -> new CheckpointException("no checkpoint in " + store.root()));
        return exportEncoders(latest, dir);
    }

    /** Writes the inference encoders of one checkpoint directory. */
    public Path exportEncoders(Path checkpoint, Path dir) {
        return exportEncoders(model, checkpoint, dir);
    }

    /**
     * Writes {@code image_encoder.onnx} and {@code text_encoder.onnx} (CLIP tokenizer) of {@code model} into
     * {@code dir}, with the weights of the ONNX Runtime checkpoint in {@code checkpoint}: a checkpoint directory
     * a trainer wrote ({@link RunFiles#model} reads its model), or a training-artifacts directory.
     */
    public static Path exportEncoders(ModelConfig model, Path checkpoint, Path dir) {
        InferenceExport.write(dir, model, checkpoint.resolve(ORT_CHECKPOINT), Model.CLIP_TOKENIZER);
        return dir;
    }

    private List<String> captions() {
        List<String> out = new ArrayList<>(data.size());
        for (int i = 0; i < data.size(); i++) {
            // no image decoding for caption statistics; the IDF counts the captions the classification term reads
            out.add(config.dualCaption() ? data.classificationCaption(i) : data.caption(i));
        }
        return out;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
