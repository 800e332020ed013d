package ai.superclip.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtTrainingSession;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.SuperClipModel;
import ai.superclip.runtime.OrtRuntime;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Our train step as the benchmark runs it: the SDK's training artifacts for a model, one ONNX Runtime training
 * session opened once, the batch's tensors created once over direct buffers (no copies, nothing allocated per
 * step on the Java side), the loss outputs pinned into preallocated tensors, then {@code trainStep},
 * {@code optimizerStep} and {@code lazyResetGrad} per step, as the SDK's Trainer does.
 */
public final class OrtTrain implements AutoCloseable {
    private final OrtTrainingSession session;
    private final SessionOptions options;
    private final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    private final Map<String, OnnxTensor> pinned = new LinkedHashMap<>();
    private final List<OnnxTensor> owned = new ArrayList<>();
    private final float learningRate;

    /** Writes the training artifacts of {@code config}, with initial weights drawn with {@code seed}, into {@code dir}. */
    public static Path writeArtifacts(ModelConfig config, Path dir, long seed) {
        SuperClipModel.writeTrainingArtifacts(dir, config, List.of(), Map.of(), seed);
        return dir;
    }

    /** Opens a session over the artifacts of {@code config} in {@code dir} (see {@link #writeArtifacts}). */
    public OrtTrain(ModelConfig config, Path dir, SyntheticInputs data, OrtSettings settings, float learningRate)
            throws OrtException {
        this.learningRate = learningRate;
        OrtEnvironment env = OrtRuntime.environment();
        options = settings.options();
        session = env.createTrainingSession(dir.resolve(TrainingArtifacts.CHECKPOINT).toString(),
                dir.resolve(TrainingArtifacts.TRAINING_MODEL).toString(),
                dir.resolve(TrainingArtifacts.EVAL_MODEL).toString(),
                dir.resolve(TrainingArtifacts.OPTIMIZER_MODEL).toString(), options);
        int b = data.batch;
        int s = config.vision().imageSize();
        Map<String, OnnxTensor> available = new LinkedHashMap<>();
        available.put(SuperClipModel.PIXELS, track(OnnxTensor.createTensor(env, data.pixels.duplicate().rewind(),
                new long[] {b, 3, s, s})));
        available.put(SuperClipModel.INPUT_IDS, track(OnnxTensor.createTensor(env, data.ids.duplicate().rewind(),
                new long[] {b, config.text().contextLength()})));
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
        for (String name : session.getTrainInputNames()) {
            OnnxTensor t = available.get(name);
            if (t == null) {
                throw new IllegalStateException("no benchmark input for training input " + name);
            }
            inputs.put(name, t);
        }
        // one unpinned step tells the output shapes; then every output goes into a preallocated tensor
        try (OrtSession.Result r = session.trainStep(inputs)) {
            for (var e : r) {
                OnnxTensor t = (OnnxTensor) e.getValue();
                long[] shape = t.getInfo().getShape();
                long n = Math.max(1, t.getInfo().getNumElements());
                pinned.put(e.getKey(), track(OnnxTensor.createTensor(env, SyntheticInputs.floats((int) n), shape)));
            }
        }
        session.lazyResetGrad();
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
        session.trainStep(inputs, pinned).close();
        session.setLearningRate(learningRate);
        session.optimizerStep();
        session.lazyResetGrad();
        return pinned.get(TrainingArtifacts.LOSS).getFloatBuffer().get(0);
    }

    @Override
    public void close() {
        session.close();
        options.close();
        owned.forEach(OnnxTensor::close);
    }
}
