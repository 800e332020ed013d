package ai.superclip.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.superclip.artifacts.AdamW;
import ai.superclip.artifacts.OrtCheckpoint;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.graph.Parameter;
import ai.superclip.graph.Value;
import ai.superclip.inference.TextEncoder;
import ai.superclip.model.ModelConfig.Loss;
import ai.superclip.oracle.OracleParity;
import ai.superclip.runtime.OrtRuntime;
import ai.superclip.runtime.StepOutputs;
import ai.superclip.runtime.TrainingSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The tiny preset trained through ONNX Runtime's training API: it fits a batch, AdamW decays what open_clip decays,
 * and logit_scale is kept within [0, ln 100] as open_clip's training loop keeps it.
 */
class ModelTrainingTest {
    private static final ModelConfig TINY = Presets.get("tiny");
    private static final float LR = 2e-3f;

    @TempDir
    Path dir;

    private final OrtEnvironment env = OrtRuntime.environment();

    @ParameterizedTest
    @EnumSource(Loss.class)
    void tinyPresetFitsOneBatchIn200Steps(Loss loss) throws Exception {
        ModelConfig config = TINY.withLoss(loss);
        SuperClipModel.writeTrainingArtifacts(dir, config, List.of(), Map.of(), 1);
        TestBatch batch = TestBatch.random(config, 8, 3);
        Map<String, OnnxTensor> inputs = trainInputs(batch);
        float first;
        float last;
        int steps = 1;
        long start = System.nanoTime();
        try (TrainingSession s = open(dir)) {
            first = step(s, inputs);
            last = first;
            for (; steps < 200 && last >= first / 2; steps++) { // stop once halved, to keep the test fast
                last = step(s, inputs);
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
        System.out.printf("tiny %s: loss %.4f -> %.4f in %d steps (%.0f ms/step)%n", loss, first, last, steps,
                (System.nanoTime() - start) / 1e6 / steps);
        assertTrue(last < first / 2, "loss fell from " + first + " to " + last + " in 200 steps");
    }

    @Test
    void oneStepMatchesDirectAdamWWithDecayOnMatricesOnly() throws Exception {
        // eps 1e-3 keeps the step lr·g/(|g| + eps) well conditioned at near-zero gradients, which the training
        // session and the plain session below round differently
        ModelConfig config = tinyWithWideEpsilon();
        SuperClipModel.writeTrainingArtifacts(dir, config, List.of(), Map.of(), 2);
        TestBatch batch = TestBatch.random(config, 4, 5);
        Map<String, float[]> before = weights(dir.resolve(TrainingArtifacts.CHECKPOINT));
        Map<String, float[]> gradients = gradients(config, before, batch);
        Map<String, OnnxTensor> inputs = trainInputs(batch);
        try (TrainingSession s = open(dir)) {
            step(s, inputs);
            s.saveCheckpoint(dir.resolve("after"), false);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
        Map<String, float[]> after = weights(dir.resolve("after"));
        double decayRate = (double) LR * config.adamW().weightDecay();
        double tolerance = 1e-6;
        for (Parameter p : SuperClipModel.training(config).graph().parameters()) {
            // open_clip_train/main.py: exclude = p.ndim < 2 or "bn" in n or "ln" in n or "bias" in n or 'logit_scale' in n
            String n = p.name();
            boolean excluded = p.shape().length < 2 || n.contains("bn") || n.contains("ln") || n.contains("bias")
                    || n.contains("logit_scale");
            assertEquals(!excluded, p.decay(), n + ": open_clip's weight-decay groups");
            float[] w0 = before.get(p.name());
            float[] g = gradients.get(OracleParity.GRAD + p.name());
            float[] w1 = after.get(p.name());
            double largestDecay = 0;
            for (int i = 0; i < w0.length; i++) {
                // torch.optim.AdamW at step 1: m_hat = g, v_hat = g², so the step is lr·g/(|g| + eps)
                double decayed = p.decay() ? w0[i] * (1 - decayRate) : w0[i];
                double expected = decayed - LR * g[i] / (Math.abs((double) g[i]) + config.adamW().epsilon());
                assertEquals(expected, w1[i], tolerance, p.name() + "[" + i + "]");
                largestDecay = Math.max(largestDecay, Math.abs(w0[i] * decayRate));
            }
            boolean zeroInitialised = largestDecay == 0; // biases: decay or not, they stay put
            assertTrue(zeroInitialised || largestDecay > 10 * tolerance, p.name() + ": the check must tell decay from none");
        }
    }

    /**
     * A batch's captions trimmed to its longest (through the end-of-text token) train exactly as at full length: the
     * causal mask keeps every later position from the pooled feature. Two sessions from one checkpoint, one fed
     * [B, 77], the other [B, T], take two steps each: same losses, same parameters.
     */
    @Test
    void captionsTrimmedToTheLongestTrainLikeFullLength() throws Exception {
        // eps 1e-3, as above: AdamW's step lr·g/(|g| + eps) would turn the GEMMs' rounding differences (the batch's
        // text rows are 4·12 instead of 4·77) at near-zero gradients into visible parameter differences
        ModelConfig config = tinyWithWideEpsilon();
        SuperClipModel.writeTrainingArtifacts(dir, config, List.of(), Map.of(), 3);
        TestBatch batch = TestBatch.random(config, 4, 7);
        int context = config.text().contextLength();
        int length = TextEncoder.trimmedLength(LongBuffer.wrap(batch.ids()), batch.size(), context);
        assertTrue(length < context / 4, "the test captions are short: " + length);
        long[] trimmed = new long[batch.size() * length];
        for (int r = 0; r < batch.size(); r++) {
            System.arraycopy(batch.ids(), r * context, trimmed, r * length, length);
        }
        float[][] losses = new float[2][2];
        for (int run = 0; run < 2; run++) {
            Map<String, OnnxTensor> inputs = trainInputs(batch);
            if (run == 1) {
                inputs.put(SuperClipModel.INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(trimmed),
                        new long[] {batch.size(), length})).close();
            }
            try (TrainingSession s = open(dir)) {
                for (int step = 0; step < 2; step++) {
                    losses[run][step] = step(s, inputs);
                }
                s.saveCheckpoint(dir.resolve("run" + run), false);
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
        }
        Map<String, float[]> full = weights(dir.resolve("run0"));
        Map<String, float[]> cut = weights(dir.resolve("run1"));
        double worst = 0;
        for (Map.Entry<String, float[]> e : full.entrySet()) {
            float[] a = e.getValue();
            float[] b = cut.get(e.getKey());
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
        }
        System.out.printf("captions trimmed to %d of %d positions: losses %s vs %s, largest parameter difference %.1e%n",
                length, context, java.util.Arrays.toString(losses[0]), java.util.Arrays.toString(losses[1]), worst);
        for (int step = 0; step < 2; step++) {
            assertEquals(losses[0][step], losses[1][step], 1e-6 * Math.abs(losses[0][step]), "loss at step " + step);
        }
        assertTrue(worst <= 1e-6, "largest parameter difference " + worst);
    }

    /**
     * open_clip steps logit_scale unclamped and then clamps the parameter to [0, ln 100]: a value beyond a bound
     * enters the next step at the bound, with the (non-zero) gradient there, and AdamW moves it from the bound.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(doubles = {5.0, -1.0})
    void logitScaleOutOfBoundsStepsFromItsBoundWithAGradient(double start) throws Exception {
        ModelConfig config = new ModelConfig(TINY.embedDim(), TINY.vision(), TINY.text(), TINY.loss(), TINY.lambda(),
                new AdamW(0.9f, 0.98f, 1e-3f, 0.2f));
        SuperClipModel.writeTrainingArtifacts(dir, config, List.of(), Map.of(SuperClipModel.LOGIT_SCALE,
                new float[] {(float) start}), 2);
        double bound = start > 0 ? (float) Math.log(SuperClipModel.MAX_LOGIT_SCALE) : 0;
        TestBatch batch = TestBatch.random(config, 4, 5);
        Map<String, float[]> atBound = weights(dir.resolve(TrainingArtifacts.CHECKPOINT));
        atBound.put(SuperClipModel.LOGIT_SCALE, new float[] {(float) bound});
        float g = gradients(config, atBound, batch).get(OracleParity.GRAD + SuperClipModel.LOGIT_SCALE)[0];
        Map<String, OnnxTensor> inputs = trainInputs(batch);
        float scale;
        float secondScale;
        try (TrainingSession s = open(dir)) {
            try (StepOutputs out = s.trainStep(inputs)) {
                scale = out.getFloat(SuperClipModel.SCALE);
            }
            s.optimizerStep();
            s.saveCheckpoint(dir.resolve("after"), false);
            s.lazyResetGrad();
            try (StepOutputs out = s.trainStep(inputs)) { // writes the parameter back clamped
                secondScale = out.getFloat(SuperClipModel.SCALE);
            }
            s.saveCheckpoint(dir.resolve("clamped"), false);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
        assertEquals(Math.exp(bound), scale, 1e-4, "the forward reads logit_scale clamped");
        assertTrue(Math.abs(g) > 1e-4, "gradient at the bound: " + g);
        double expected = bound - LR * g / (Math.abs((double) g) + config.adamW().epsilon()); // AdamW step 1, no decay
        float after = weights(dir.resolve("after")).get(SuperClipModel.LOGIT_SCALE)[0];
        assertEquals(expected, after, 1e-6, "stepped from the bound " + bound + ", not from " + start);
        double clamped = Math.min(Math.max(after, 0), (float) Math.log(SuperClipModel.MAX_LOGIT_SCALE));
        float stored = weights(dir.resolve("clamped")).get(SuperClipModel.LOGIT_SCALE)[0];
        System.out.printf("logit_scale from %.1f: stepped to %.6f, stored by the next step %.6f%n", start, after, stored);
        // the training step writes clamp(p) / (1 - lr·wd): the optimizer's decay, from which logit_scale is exempt,
        // brings it back to clamp(p)
        double rate = (double) LR * config.adamW().weightDecay();
        assertEquals(clamped / (1 - rate), stored, 1e-6, "the next step keeps the parameter within [0, ln 100]");
        assertEquals(Math.exp(clamped), secondScale, 1e-4);
    }

    /** Gradients of the loss at {@code weights} from our autodiff in a plain session, as "grad:" + name. */
    private Map<String, float[]> gradients(ModelConfig config, Map<String, float[]> weights, TestBatch batch)
            throws Exception {
        SuperClipModel.Training model = SuperClipModel.training(config);
        Map<String, OnnxTensor> feeds = batch.tensors(env);
        try {
            return OracleParity.run(model.loss(), Map.<String, Value>of("loss", model.loss()), model.inputs(), weights, feeds);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    /** The tiny preset with AdamW's ε at 1e-3 (see the tests that use it). */
    private static ModelConfig tinyWithWideEpsilon() {
        return new ModelConfig(TINY.embedDim(), TINY.vision(), TINY.text(), TINY.loss(), TINY.lambda(),
                new AdamW(0.9f, 0.98f, 1e-3f, 0.2f));
    }

    private static TrainingSession open(Path artifacts) throws Exception {
        TrainingSession s = TrainingSession.open(artifacts, TrainingSession.Options.DEFAULT);
        s.setLearningRate(LR);
        return s;
    }

    /** One forward-backward pass and optimizer step; returns the loss. */
    private static float step(TrainingSession s, Map<String, OnnxTensor> inputs) throws Exception {
        float loss;
        try (StepOutputs out = s.trainStep(inputs)) {
            loss = out.getFloat(TrainingArtifacts.LOSS);
        }
        s.optimizerStep();
        s.lazyResetGrad();
        return loss;
    }

    /** The batch plus a gradient scale of 1 and this step's decay lr·wd. */
    private Map<String, OnnxTensor> trainInputs(TestBatch batch) throws Exception {
        Map<String, OnnxTensor> in = new HashMap<>(batch.tensors(env));
        in.put(TrainingArtifacts.GRADIENT_SCALE_INPUT, OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {1f}), new long[] {1}));
        float decay = LR * batch.config().adamW().weightDecay();
        in.put(TrainingArtifacts.WEIGHT_DECAY_INPUT, OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {decay}), new long[] {1}));
        return in;
    }

    private static Map<String, float[]> weights(Path checkpoint) {
        OrtCheckpoint c = OrtCheckpoint.read(checkpoint);
        Map<String, float[]> m = new HashMap<>();
        c.trainable().forEach(t -> m.put(t.name(), t.values()));
        c.frozen().forEach(t -> m.put(t.name(), t.values()));
        return m;
    }
}
