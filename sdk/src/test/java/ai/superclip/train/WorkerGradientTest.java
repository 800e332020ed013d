package ai.superclip.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.superclip.artifacts.NamedArray;
import ai.superclip.artifacts.OrtCheckpoint;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.model.SuperClipModel;
import ai.superclip.runtime.OrtRuntime;
import ai.superclip.runtime.StepOutputs;
import ai.superclip.runtime.TrainingSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's gradient model, parameter by parameter: two workers' gradients over halves of a batch sum to the
 * gradient of the whole batch. The whole batch's gradient is the same model run as the only worker (every row its own,
 * the full shares), where the global loss is the one-process loss. AdamW is invariant to a constant scale of a
 * parameter's gradient, so the trainer-level test cannot see logit_scale's gradient counted twice; this one can.
 */
class WorkerGradientTest {
    @TempDir
    Path dir;

    private static final int ROWS = 8;
    private final OrtEnvironment env = OrtRuntime.environment();

    @Test
    void twoWorkersGradientsSumToTheWholeBatchs() throws Exception {
        ModelConfig model = Presets.get("tiny").withTokenizer(49408, 77);
        SuperClipModel.writeWorkerArtifacts(dir, model, List.of(), Map.of(), 5);
        int context = model.text().contextLength();
        int size = model.vision().imageSize();
        SplittableRandom random = new SplittableRandom(9);
        float[] pixels = new float[ROWS * 3 * size * size];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        long[] ids = new long[ROWS * context];
        long[] targetIds = new long[ROWS * context];
        float[] targetWeights = new float[ROWS * context];
        for (int r = 0; r < ROWS; r++) {
            int length = 3 + random.nextInt(10);
            for (int j = 0; j < length; j++) {
                ids[r * context + j] = 1 + random.nextInt(49407);
                targetIds[r * context + j] = 1 + j * 1000 + random.nextInt(1000); // distinct per row
                targetWeights[r * context + j] = 1f / length;
            }
        }
        try (TrainingSession session = TrainingSession.open(dir, TrainingSession.Options.DEFAULT)) {
            float[] features = features(session, pixels, ids, model);
            Map<String, float[]> whole = gradients(session, pixels, ids, targetIds, targetWeights, features, model, 0, ROWS, 1f);
            Map<String, float[]> first = gradients(session, pixels, ids, targetIds, targetWeights, features, model, 0, ROWS / 2, 1f);
            Map<String, float[]> second = gradients(session, pixels, ids, targetIds, targetWeights, features, model, ROWS / 2, ROWS / 2, 0f);
            double worst = 0;
            for (String name : whole.keySet()) {
                float[] w = whole.get(name);
                double scale = 1e-12;
                double error = 0;
                for (int i = 0; i < w.length; i++) {
                    scale = Math.max(scale, Math.abs(w[i]));
                    error = Math.max(error, Math.abs(first.get(name)[i] + second.get(name)[i] - w[i]));
                }
                worst = Math.max(worst, error / scale);
                assertTrue(error <= 1e-4 * scale, name + ": sum of the workers' gradients off by " + error + " of " + scale);
            }
            String logitScale = SuperClipModel.LOGIT_SCALE + TrainingArtifacts.GRADIENT_SUFFIX;
            assertEquals(0f, second.get(logitScale)[0], "only worker 0 carries logit_scale's gradient");
            assertTrue(Math.abs(whole.get(logitScale)[0]) > 1e-6, "logit_scale has a gradient to check");
            System.out.printf("worker gradients: two halves vs the whole batch, largest error relative to the parameter's"
                    + " largest gradient: %.2e over %d parameters%n", worst, whole.size());
        }
    }

    /** Pass 1: the features [image rows; text rows] of all rows, through the injection model with nothing injected. */
    private float[] features(TrainingSession session, float[] pixels, long[] ids, ModelConfig model) throws OrtException {
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            putData(in, pixels, ids, 0, ROWS, model);
            for (String name : session.trainInputNames()) {
                if (name.endsWith(TrainingArtifacts.GRADIENT_SUFFIX)) {
                    long[] shape = parameterShape(name);
                    in.put(name, OnnxTensor.createTensor(env, FloatBuffer.allocate(Math.toIntExact(count(shape))), shape));
                }
            }
            in.put(TrainingArtifacts.STEP_LOSS_INPUT, OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {Float.NaN}), new long[0]));
            if (session.trainInputNames().contains(TrainingArtifacts.WEIGHT_DECAY_INPUT)) {
                in.put(TrainingArtifacts.WEIGHT_DECAY_INPUT, OnnxTensor.createTensor(env, new float[] {0f}));
            }
            try (StepOutputs out = session.trainStep(in)) {
                int e = model.embedDim();
                float[] f = new float[2 * ROWS * e];
                ((OnnxTensor) out.get(SuperClipModel.IMAGE_EMBEDS)).getFloatBuffer().get(f, 0, ROWS * e);
                ((OnnxTensor) out.get(SuperClipModel.TEXT_EMBEDS)).getFloatBuffer().get(f, ROWS * e, ROWS * e);
                return f;
            }
        } finally {
            in.values().forEach(OnnxTensor::close);
            session.lazyResetGrad();
        }
    }

    private final Map<String, long[]> shapes = new HashMap<>();

    private long[] parameterShape(String gradientName) {
        if (shapes.isEmpty()) {
            for (NamedArray p : OrtCheckpoint.readParameters(dir.resolve(TrainingArtifacts.CHECKPOINT)).trainable()) {
                shapes.put(p.name() + TrainingArtifacts.GRADIENT_SUFFIX, p.shape());
            }
        }
        return shapes.get(gradientName);
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** The gradient model on rows [from, from + m) as one worker of the {@value #ROWS}-row global batch. */
    private Map<String, float[]> gradients(TrainingSession session, float[] pixels, long[] ids, long[] targetIds,
            float[] targetWeights, float[] features, ModelConfig model, int from, int m, float scaleShare)
            throws OrtException {
        int context = model.text().contextLength();
        int e = model.embedDim();
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            putData(in, pixels, ids, from, m, model);
            in.put(SuperClipModel.CLS_TARGET_IDS, OnnxTensor.createTensor(env,
                    LongBuffer.wrap(targetIds, from * context, m * context).slice(), new long[] {m, context}));
            in.put(SuperClipModel.CLS_TARGET_WEIGHTS, OnnxTensor.createTensor(env,
                    FloatBuffer.wrap(targetWeights, from * context, m * context).slice(), new long[] {m, context}));
            in.put(SuperClipModel.GLOBAL_IMAGE_EMBEDS, OnnxTensor.createTensor(env,
                    FloatBuffer.wrap(features, 0, ROWS * e).slice(), new long[] {ROWS, e}));
            in.put(SuperClipModel.GLOBAL_TEXT_EMBEDS, OnnxTensor.createTensor(env,
                    FloatBuffer.wrap(features, ROWS * e, ROWS * e).slice(), new long[] {ROWS, e}));
            float[] own = new float[ROWS * m];
            for (int j = 0; j < m; j++) {
                own[(from + j) * m + j] = 1f;
            }
            in.put(SuperClipModel.OWN_ROWS, OnnxTensor.createTensor(env, FloatBuffer.wrap(own), new long[] {ROWS, m}));
            in.put(SuperClipModel.SCALE_SHARE, OnnxTensor.createTensor(env, new float[] {scaleShare}));
            in.put(SuperClipModel.CLS_SHARE, OnnxTensor.createTensor(env, new float[] {(float) m / ROWS}));
            in.put(TrainingArtifacts.GRADIENT_SCALE_INPUT, OnnxTensor.createTensor(env, new float[] {1f}));
            Map<String, float[]> grads = new LinkedHashMap<>();
            try (StepOutputs out = session.evalStep(in)) {
                for (String name : out.names()) {
                    if (name.endsWith(TrainingArtifacts.GRADIENT_SUFFIX)) {
                        FloatBuffer g = ((OnnxTensor) out.get(name)).getFloatBuffer();
                        float[] values = new float[g.remaining()];
                        g.get(values);
                        grads.put(name, values);
                    }
                }
            }
            return grads;
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    private void putData(Map<String, OnnxTensor> in, float[] pixels, long[] ids, int from, int m, ModelConfig model)
            throws OrtException {
        int size = model.vision().imageSize();
        int perImage = 3 * size * size;
        int context = model.text().contextLength();
        in.put(SuperClipModel.PIXELS, OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels, from * perImage, m * perImage).slice(),
                new long[] {m, 3, size, size}));
        in.put(SuperClipModel.INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(ids, from * context, m * context).slice(),
                new long[] {m, context}));
    }
}
