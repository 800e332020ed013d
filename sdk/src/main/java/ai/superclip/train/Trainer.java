package ai.superclip.train;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.superclip.artifacts.OrtCheckpoint;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.data.Batch;
import ai.superclip.data.BatchLoader;
import ai.superclip.data.ImagePreprocessor;
import ai.superclip.data.ImageTextDataset;
import ai.superclip.data.Position;
import ai.superclip.inference.Model;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.SuperClipModel;
import ai.superclip.runtime.OrtRuntime;
import ai.superclip.runtime.TrainingSession;
import ai.superclip.tokenization.ClipTokenizer;
import ai.superclip.tokenization.IdfStatistics;
import ai.superclip.tokenization.TokenTargets;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Trains a SuperCLIP (or CLIP) model on an image-text dataset through ONNX Runtime's training API.
 *
 * <p>A run directory holds {@code artifacts/} (the four training artifacts), {@code checkpoints/step-N/}
 * (ONNX Runtime's checkpoint with optimizer state, for large models with its parameters in {@code checkpoint.data}
 * beside it, the IDF statistics and {@code state.json} with the step
 * and data position), and {@code metrics.jsonl} (one JSON object per logged step). Each step feeds the images,
 * the token ids and the IDF-weighted token targets (the online IDF statistics updated with the batch first),
 * runs forward and backward for each of the {@code accumulation} micro-batches, sets the scheduled learning
 * rate and steps AdamW. A step whose loss is not finite is skipped (its gradients dropped) and counted; too
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
    public static final String CHECKPOINTS = "checkpoints";
    public static final String METRICS = "metrics.jsonl";
    static final String ORT_CHECKPOINT = TrainingArtifacts.CHECKPOINT;
    static final String IDF_FILE = "idf.bin";
    static final String STATE_FILE = "state.json";
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

    /** Where a run stands, saved with every checkpoint. */
    record State(long step, int epoch, int index, long skipped) {
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
        Path artifacts = config.output().resolve(ARTIFACTS);
        SuperClipModel.writeTrainingArtifacts(artifacts, model, config.frozenPrefixes(), Map.of(), config.seed());
        System.gc(); // hands the heap that held the initial weights back before ONNX Runtime allocates its own copy
        IdfStatistics idf = switch (config.idf()) {
            case ONLINE -> IdfStatistics.online(tokenizer.vocabularySize());
            case DISABLED -> IdfStatistics.disabled(tokenizer.vocabularySize());
            case OFFLINE -> IdfStatistics.offline(captions(), tokenizer, targets);
        };
        return run(artifacts.resolve(ORT_CHECKPOINT), idf, new State(0, 0, 0, 0));
    }

    /**
     * Continues from a checkpoint directory ({@code checkpoints/step-N}), or from the newest complete one
     * when {@code checkpoint} is null ("latest"). With deterministic settings the parameters at any later step
     * equal those of an uninterrupted run.
     */
    public TrainingResult resume(Path checkpoint) throws OrtException {
        Path dir = checkpoint != null ? checkpoint : store.latest().orElseThrow(() -> new CheckpointException(
                "no complete checkpoint in " + store.root() + " to resume from"));
        if (checkpoint != null) { // latest() has verified its pick
            CheckpointStore.verify(dir);
        }
        State state;
        JsonNode saved;
        try {
            saved = JSON.readTree(dir.resolve(STATE_FILE).toFile());
            state = JSON.treeToValue(saved.get("state"), State.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointException("cannot read " + dir.resolve(STATE_FILE) + ": " + e.getMessage(), e);
        }
        requireSameModel(dir, saved.get("model"));
        Path artifacts = config.output().resolve(ARTIFACTS);
        if (!Files.isRegularFile(artifacts.resolve(TrainingArtifacts.TRAINING_MODEL))) {
            SuperClipModel.writeTrainingArtifacts(artifacts, model, config.frozenPrefixes(), Map.of(), config.seed());
        }
        return run(dir.resolve(ORT_CHECKPOINT), IdfStatistics.load(dir.resolve(IDF_FILE)), state);
    }

    private TrainingResult run(Path ortCheckpoint, IdfStatistics idf, State start) throws OrtException {
        Path artifacts = config.output().resolve(ARTIFACTS);
        OrtEnvironment env = OrtRuntime.environment();
        long begin = System.nanoTime();
        int batch = config.batchSize();
        int vocab = tokenizer.vocabularySize();
        int context = tokenizer.contextLength();
        int imageSize = model.vision().imageSize();
        boolean superclip = model.loss() == ModelConfig.Loss.SUPERCLIP;
        FloatBuffer decayValue = ByteBuffer.allocateDirect(Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        FloatBuffer clsTargets = ByteBuffer.allocateDirect(batch * vocab * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        LearningRateSchedule schedule = config.schedule();
        float decay = model.adamW().weightDecay();
        int k = config.accumulation();
        long step = start.step();
        long skipped = start.skipped();
        int badInARow = 0;
        double lastLoss = Double.NaN;
        Path lastCheckpoint = null;
        TrainingSession.Options options = new TrainingSession.Options(config.threads(), true, config.device());
        boolean withMoments = momentsFit(ortCheckpoint);
        if (!withMoments) {
            LOG.warning("the AdamW moments of this model pass the 2 GiB ONNX Runtime can write: checkpoints"
                    + " keep the parameters only, and a resumed run starts the moments afresh");
        }
        try (MetricsLog log = new MetricsLog(config.output().resolve(METRICS));
                TrainingSession session = TrainingSession.open(ortCheckpoint,
                        artifacts.resolve(TrainingArtifacts.TRAINING_MODEL), artifacts.resolve(TrainingArtifacts.EVAL_MODEL),
                        artifacts.resolve(TrainingArtifacts.OPTIMIZER_MODEL), options);
                BatchLoader loader = BatchLoader.builder(data, new ImagePreprocessor(imageSize))
                        .batchSize(batch).workers(2).prefetch(4).seed(config.seed()).shuffle(true).augment(true)
                        .dropLast(true).epochs(Integer.MAX_VALUE).startAt(new Position(start.epoch(), start.index()))
                        .longBuffer(SuperClipModel.INPUT_IDS, context)
                        .onBatchFilled(b -> tokenizer.encodeBatch(b.captions(), rows(b.longBuffer(SuperClipModel.INPUT_IDS), 0)))
                        .build();
                OnnxTensor gradientScale = OnnxTensor.createTensor(env, new float[] {1f / k});
                OnnxTensor decayTensor = OnnxTensor.createTensor(env, decayValue, new long[] {1});
                PinnedScalars out = new PinnedScalars(env, session.trainOutputNames())) {
            // The two scalar inputs and the outputs live for the whole run (the decay's value is rewritten in place
            // each micro-step); only the batch tensors, views over the loader's pooled buffers, are made per step.
            Map<String, OnnxTensor> in = new HashMap<>();
            in.put(TrainingArtifacts.GRADIENT_SCALE_INPUT, gradientScale);
            if (session.trainInputNames().contains(TrainingArtifacts.WEIGHT_DECAY_INPUT)) {
                in.put(TrainingArtifacts.WEIGHT_DECAY_INPUT, decayTensor);
            }
            List<String> batchInputs = superclip
                    ? List.of(SuperClipModel.PIXELS, SuperClipModel.INPUT_IDS, SuperClipModel.CLS_TARGETS)
                    : List.of(SuperClipModel.PIXELS, SuperClipModel.INPUT_IDS);
            listeners.forEach(l -> l.onStart(config, start.step()));
            Position position = new Position(start.epoch(), start.index());
            while (step < config.steps()) {
                long stepStart = System.nanoTime();
                double lr = schedule.at((int) step);
                double loss = 0;
                double clip = 0;
                double cls = 0;
                double scale = Double.NaN;
                int samples = 0;
                boolean finite = true;
                for (int micro = 0; micro < k; micro++) {
                    decayValue.put(0, micro == k - 1 ? (float) (lr * decay) : 0f);
                    try (Batch b = loader.next()) {
                        if (batchHook != null) {
                            batchHook.accept(step + 1, micro, b);
                        }
                        int n = b.size();
                        LongBuffer ids = rows(b.longBuffer(SuperClipModel.INPUT_IDS), n * context);
                        in.put(SuperClipModel.PIXELS, OnnxTensor.createTensor(env, rows(b.images(), n * 3 * imageSize * imageSize),
                                new long[] {n, 3, imageSize, imageSize}));
                        in.put(SuperClipModel.INPUT_IDS, OnnxTensor.createTensor(env, ids, new long[] {n, context}));
                        if (superclip) {
                            clsTargets.clear();
                            idf.observe(targets.sparse(ids), clsTargets);
                            in.put(SuperClipModel.CLS_TARGETS, OnnxTensor.createTensor(env, rows(clsTargets, n * vocab),
                                    new long[] {n, vocab}));
                        }
                        try {
                            session.trainStep(in, out.tensors);
                            float l = out.get(TrainingArtifacts.LOSS);
                            finite &= Float.isFinite(l);
                            loss += l / k;
                            clip += out.get(SuperClipModel.CLIP_LOSS) / k;
                            cls += superclip ? out.get(SuperClipModel.CLS_LOSS) / k : Double.NaN;
                            scale = out.get(SuperClipModel.SCALE);
                        } finally {
                            batchInputs.forEach(name -> in.remove(name).close());
                        }
                        samples += n;
                        position = b.nextPosition();
                    }
                }
                step++;
                if (finite) {
                    session.setLearningRate((float) lr);
                    session.optimizerStep();
                    badInARow = 0;
                    lastLoss = loss;
                } else {
                    skipped++;
                    badInARow++;
                    if (badInARow >= config.maxBadStepsInARow()) {
                        throw new TrainingException("stopped at step " + step + " after " + badInARow
                                + " non-finite losses in a row; last good checkpoint: "
                                + store.latest().map(Path::toString).orElse("none"));
                    }
                }
                session.lazyResetGrad();
                double seconds = (System.nanoTime() - stepStart) / 1e9;
                StepMetrics m = new StepMetrics(step, config.steps(), loss, clip, cls, scale, lr, samples / seconds,
                        !finite, skipped);
                if (step % config.logEvery() == 0 || step == config.steps() || !finite) {
                    log.write(m);
                }
                listeners.forEach(l -> l.onStep(m));
                boolean last = step == config.steps();
                boolean validating = validator != null && (step % validateEvery == 0 || last);
                if (last || validating || (config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0)) {
                    lastCheckpoint = checkpoint(session, idf, new State(step, position.epoch(), position.index(), skipped),
                            withMoments);
                    if (validating) { // validation reads the encoders of the checkpoint just written
                        validate(step, lastCheckpoint, log);
                    }
                }
            }
        } catch (OrtException e) {
            throw new TrainingException("training failed at step " + (step + 1) + ": " + e.getMessage()
                    + "; last good checkpoint: " + store.latest().map(Path::toString).orElse("none"), e);
        }
        TrainingResult result = new TrainingResult(step, (System.nanoTime() - begin) / 1e9, lastLoss, skipped,
                lastCheckpoint != null ? lastCheckpoint : store.latest().orElse(null));
        listeners.forEach(l -> l.onFinish(result));
        return result;
    }

    private Path checkpoint(TrainingSession session, IdfStatistics idf, State state, boolean withMoments) {
        Path written = store.write(state.step(), dir -> {
            saveOrtCheckpoint(session, dir, state.step(), withMoments);
            idf.save(dir.resolve(IDF_FILE));
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("state", state);
            doc.put("optimizer_state", withMoments);
            doc.put("model", modelJson);
            doc.put("batch_size", config.batchSize());
            doc.put("accumulation", config.accumulation());
            doc.put("steps", config.steps());
            doc.put("lr", config.learningRate());
            doc.put("seed", config.seed());
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(STATE_FILE).toFile(), doc);
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
        InferenceExport.write(dir, model, checkpoint.resolve(ORT_CHECKPOINT), Model.CLIP_TOKENIZER);
        return dir;
    }

    private List<String> captions() {
        List<String> out = new ArrayList<>(data.size());
        for (int i = 0; i < data.size(); i++) {
            out.add(data.caption(i)); // no image decoding for caption statistics
        }
        return out;
    }

    /**
     * The training outputs (loss terms and the temperature, all float scalars) pinned: tensors over direct buffers,
     * made once and written by every step, so that a step allocates no outputs.
     */
    private static final class PinnedScalars implements AutoCloseable {
        final Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        private final Map<String, FloatBuffer> values = new HashMap<>();

        PinnedScalars(OrtEnvironment env, List<String> names) throws OrtException {
            try {
                for (String name : names) {
                    FloatBuffer value = ByteBuffer.allocateDirect(Float.BYTES).order(ByteOrder.nativeOrder())
                            .asFloatBuffer();
                    values.put(name, value);
                    tensors.put(name, OnnxTensor.createTensor(env, value, new long[0]));
                }
            } catch (OrtException | RuntimeException e) {
                close();
                throw e;
            }
        }

        float get(String name) {
            return values.get(name).get(0);
        }

        @Override
        public void close() {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    /** A view of the first {@code count} elements of {@code buffer} (0 means all), independent of its position. */
    private static LongBuffer rows(LongBuffer buffer, int count) {
        LongBuffer d = buffer.duplicate();
        d.clear();
        if (count > 0) {
            d.limit(count);
        }
        return d.slice();
    }

    private static FloatBuffer rows(FloatBuffer buffer, int count) {
        FloatBuffer d = buffer.duplicate();
        d.clear();
        d.limit(count);
        return d.slice();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
