package ai.superclip.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.inference.TextEncoder;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.SuperClipModel;
import ai.superclip.runtime.OrtRuntime;
import ai.superclip.runtime.StepOutputs;
import ai.superclip.runtime.TrainingSession;
import ai.superclip.train.TrainingConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Our train step as a user's run takes it: the SDK's training artifacts for a model, the SDK's
 * {@link TrainingSession} opened with the session settings of a {@link TrainingConfig} left at its defaults (its
 * thread count aside), the outputs pinned into tensors made once, then {@code trainStep}, {@code setLearningRate},
 * {@code optimizerStep} and {@code lazyResetGrad} per step, as the SDK's Trainer does. The batch's tensors are made
 * once over direct buffers, where the Trainer wraps each batch of its loader.
 */
public final class OrtTrain implements AutoCloseable {
    private final TrainingSession session;
    private final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    private final Map<String, OnnxTensor> pinned = new LinkedHashMap<>();
    private final List<OnnxTensor> owned = new ArrayList<>();
    private final float learningRate;

    /** Writes the training artifacts of {@code config}, with initial weights drawn with {@code seed}, into {@code dir}. */
    public static Path writeArtifacts(ModelConfig config, Path dir, long seed) {
        SuperClipModel.writeTrainingArtifacts(dir, config, List.of(), Map.of(), seed);
        return dir;
    }

    /**
     * Opens a session over the artifacts of {@code config} in {@code dir} (see {@link #writeArtifacts}) with the
     * session settings and learning rate of {@code run}.
     */
    public OrtTrain(ModelConfig config, Path dir, SyntheticInputs data, TrainingConfig run) throws OrtException {
        this(config, dir, data, run, run.sessionOptions());
    }

    /** As above, with the session settings {@code options} (a profiling variant of the run's). */
    public OrtTrain(ModelConfig config, Path dir, SyntheticInputs data, TrainingConfig run,
            TrainingSession.Options options) throws OrtException {
        this(config, dir, data, run, options, false);
    }

    /**
     * As above; with {@code trimCaptions} the token ids go in trimmed to the batch's longest caption, as the
     * trainer feeds them (the same loss and gradients), instead of at full context length, as libtorch gets them.
     */
    public OrtTrain(ModelConfig config, Path dir, SyntheticInputs data, TrainingConfig run,
            TrainingSession.Options options, boolean trimCaptions) throws OrtException {
        this.learningRate = (float) run.learningRate();
        OrtEnvironment env = OrtRuntime.environment();
        session = TrainingSession.open(dir, options);
        try {
            int b = data.batch;
            int s = config.vision().imageSize();
            Map<String, OnnxTensor> available = new LinkedHashMap<>();
            available.put(SuperClipModel.PIXELS, track(OnnxTensor.createTensor(env, data.pixels.duplicate().rewind(),
                    new long[] {b, 3, s, s})));
            int context = config.text().contextLength();
            int length = trimCaptions ? TextEncoder.trimmedLength(data.ids, b, context) : context;
            LongBuffer ids = TextEncoder.trimmedRows(data.ids, b, context, length, ByteBuffer.allocateDirect(
                    b * length * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer());
            available.put(SuperClipModel.INPUT_IDS, track(OnnxTensor.createTensor(env, ids, new long[] {b, length})));
            if (config.loss() == ModelConfig.Loss.SUPERCLIP) {
                long[] targetShape = {b, config.text().contextLength()};
                available.put(SuperClipModel.CLS_TARGET_IDS, track(OnnxTensor.createTensor(env,
                        data.targetIds.duplicate().rewind(), targetShape)));
                available.put(SuperClipModel.CLS_TARGET_WEIGHTS, track(OnnxTensor.createTensor(env,
                        data.targetWeights.duplicate().rewind(), targetShape)));
            }
            available.put(TrainingArtifacts.GRADIENT_SCALE_INPUT, track(scalarTensor(env, 1f)));
            available.put(TrainingArtifacts.WEIGHT_DECAY_INPUT,
                    track(scalarTensor(env, learningRate * config.adamW().weightDecay())));
            for (String name : session.trainInputNames()) {
                OnnxTensor t = available.get(name);
                if (t == null) {
                    throw new IllegalStateException("no benchmark input for training input " + name);
                }
                inputs.put(name, t);
            }
            // one unpinned step tells the output shapes; then every output goes into a preallocated tensor
            try (StepOutputs r = session.trainStep(inputs)) {
                for (String name : r.names()) {
                    OnnxTensor t = (OnnxTensor) r.get(name);
                    long n = Math.max(1, t.getInfo().getNumElements());
                    pinned.put(name, track(OnnxTensor.createTensor(env, SyntheticInputs.floats((int) n),
                            t.getInfo().getShape())));
                }
            }
            session.lazyResetGrad();
        } catch (OrtException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private OnnxTensor track(OnnxTensor t) {
        owned.add(t);
        return t;
    }

    private static OnnxTensor scalarTensor(OrtEnvironment env, float v) throws OrtException {
        FloatBuffer b = SyntheticInputs.floats(1);
        b.put(0, v);
        return OnnxTensor.createTensor(env, b, new long[] {1});
    }

    /** Forward, backward, AdamW; returns the loss. */
    public float step() throws OrtException {
        timedStep();
        return pinned.get(TrainingArtifacts.LOSS).getFloatBuffer().get(0);
    }

    /**
     * The wall milliseconds of a step's two phases: forward and backward ({@code trainStep}), and the AdamW update
     * ({@code setLearningRate}, {@code optimizerStep}, {@code lazyResetGrad}).
     */
    public record StepPhases(double trainMs, double optimizerMs) {
    }

    /** One step, as {@link #step}, timed by phase. */
    public StepPhases timedStep() throws OrtException {
        long start = System.nanoTime();
        session.trainStep(inputs, pinned);
        long trained = System.nanoTime();
        session.setLearningRate(learningRate);
        session.optimizerStep();
        session.lazyResetGrad();
        return new StepPhases((trained - start) / 1e6, (System.nanoTime() - trained) / 1e6);
    }

    @Override
    public void close() {
        session.close();
        owned.forEach(OnnxTensor::close);
    }
}
