package ai.superclip.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.superclip.artifacts.AdamW;
import ai.superclip.artifacts.NamedArray;
import ai.superclip.artifacts.OrtCheckpoint;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.autodiff.Autodiff;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Init;
import ai.superclip.graph.ModelSpec;
import ai.superclip.graph.Parameter;
import ai.superclip.graph.Shape;
import ai.superclip.graph.Value;
import ai.superclip.nn.Functions;
import ai.superclip.nn.Layers;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small classifier built with the graph builder, trained from Java through ONNX Runtime's training API:
 * it learns, accumulation equals one big batch, a checkpoint resumes exactly, weight decay matches a direct
 * AdamW reference, and the exported inference model matches the eval model.
 */
class TrainingEndToEndTest {
    private static final int FEATURES = 8;
    private static final int CLASSES = 3;
    private static final float LR = 0.02f;
    private static final AdamW ADAMW = new AdamW(0.9f, 0.999f, 1e-8f, 0.1f);

    @TempDir
    Path dir;

    private final OrtEnvironment env = OrtRuntime.environment();

    /** Gaussian blobs: class c centred at 2.5 * e_c, unit noise. */
    record Data(float[] x, float[] y, int[] labels, int n) {
        static Data blobs(int n, long seed) {
            Random r = new Random(seed);
            float[] x = new float[n * FEATURES];
            float[] y = new float[n * CLASSES];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                int c = r.nextInt(CLASSES);
                labels[i] = c;
                y[i * CLASSES + c] = 1;
                for (int j = 0; j < FEATURES; j++) {
                    x[i * FEATURES + j] = (float) (r.nextGaussian() + (j == c ? 2.5 : 0));
                }
            }
            return new Data(x, y, labels, n);
        }

        Data slice(int from, int to) {
            return new Data(Arrays.copyOfRange(x, from * FEATURES, to * FEATURES),
                    Arrays.copyOfRange(y, from * CLASSES, to * CLASSES), Arrays.copyOfRange(labels, from, to), to - from);
        }
    }

    /** The classifier: Linear(8, 16) -> GELU -> LayerNorm -> Linear(16, 3), soft-target cross-entropy. */
    private static Map<String, Value> classifier(Graph g) {
        Value x = g.input("x", DType.FLOAT, Shape.UNKNOWN, FEATURES);
        Value y = g.input("y", DType.FLOAT, Shape.UNKNOWN, CLASSES);
        Value h = Layers.layerNorm(Functions.gelu(Layers.linear(x, "fc1", 16, Init.normal(0.3), Init.zeros())), "norm");
        Value logits = Layers.linear(h, "head", CLASSES, Init.normal(0.3), Init.zeros());
        Map<String, Value> m = new LinkedHashMap<>();
        m.put("x", x);
        m.put("y", y);
        m.put("logits", logits);
        m.put("loss", Functions.softTargetCrossEntropy(logits, y));
        return m;
    }

    private Path writeArtifacts(Path out) {
        Graph g = new Graph();
        Map<String, Value> m = classifier(g);
        TrainingArtifacts.write(out, m.get("loss"), List.of(m.get("x"), m.get("y")), Map.of("logits", m.get("logits")),
                ADAMW, Map.of(), 1234);
        return out;
    }

    private TrainingSession open(Path artifacts) throws Exception {
        TrainingSession s = TrainingSession.open(artifacts, new TrainingSession.Options(1, true));
        s.setLearningRate(LR);
        return s;
    }

    /** One forward-backward pass; {@code decay} applies this step's share of weight decay. */
    private float train(TrainingSession s, Data d, float gradientScale, boolean decay) throws Exception {
        Map<String, OnnxTensor> in = new HashMap<>();
        in.put("x", tensor(d.x(), d.n(), FEATURES));
        in.put("y", tensor(d.y(), d.n(), CLASSES));
        in.put(TrainingArtifacts.GRADIENT_SCALE_INPUT, tensor(new float[] {gradientScale}, 1));
        in.put(TrainingArtifacts.WEIGHT_DECAY_INPUT, tensor(new float[] {decay ? LR * ADAMW.weightDecay() : 0f}, 1));
        try (StepOutputs out = s.trainStep(in)) {
            return out.getFloat(TrainingArtifacts.LOSS);
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    private float step(TrainingSession s, Data d) throws Exception {
        float loss = train(s, d, 1f, true);
        s.optimizerStep();
        s.lazyResetGrad();
        return loss;
    }

    private float[] evalLogits(TrainingSession s, Data d) throws Exception {
        Map<String, OnnxTensor> in = Map.of("x", tensor(d.x(), d.n(), FEATURES), "y", tensor(d.y(), d.n(), CLASSES));
        try (StepOutputs out = s.evalStep(in)) {
            return floats((OnnxTensor) out.get("logits"));
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    @Test
    void classifierLearnsTheBlobs() throws Exception {
        Data train = Data.blobs(2048, 1);
        Data test = Data.blobs(512, 2);
        try (TrainingSession s = open(writeArtifacts(dir))) {
            float first = 0;
            float last = 0;
            for (int i = 0; i < 120; i++) {
                int from = (i * 32) % train.n();
                float loss = step(s, train.slice(from, from + 32));
                first = i == 0 ? loss : first;
                last = loss;
            }
            float[] logits = evalLogits(s, test);
            int correct = 0;
            for (int i = 0; i < test.n(); i++) {
                int best = 0;
                for (int c = 1; c < CLASSES; c++) {
                    best = logits[i * CLASSES + c] > logits[i * CLASSES + best] ? c : best;
                }
                correct += best == test.labels()[i] ? 1 : 0;
            }
            double accuracy = correct / (double) test.n();
            System.out.printf("blobs: loss %.4f -> %.4f, held-out accuracy %.3f%n", first, last, accuracy);
            assertTrue(accuracy > 0.9, "held-out accuracy " + accuracy);
            assertTrue(last < first / 2, "loss fell from " + first + " to " + last);
        }
    }

    @Test
    void accumulatingMicroBatchesEqualsOneBatch() throws Exception {
        Data batch = Data.blobs(16, 3);
        Path a = writeArtifacts(dir.resolve("a"));
        Path b = writeArtifacts(dir.resolve("b"));
        try (TrainingSession micro = open(a); TrainingSession whole = open(b)) {
            for (int round = 0; round < 2; round++) {
                train(micro, batch.slice(0, 8), 0.5f, false);
                train(micro, batch.slice(8, 16), 0.5f, true);
                micro.optimizerStep();
                micro.lazyResetGrad();
                step(whole, batch);
            }
            assertParametersEqual(parameters(micro, dir.resolve("ma")), parameters(whole, dir.resolve("wa")), 1e-6);
        }
    }

    @Test
    void checkpointResumesWithTheSameNextLoss() throws Exception {
        Data data = Data.blobs(96, 4);
        Path artifacts = writeArtifacts(dir.resolve("run"));
        Path resumed = dir.resolve("resumed");
        Files.createDirectories(resumed);
        float[] expected = new float[2];
        try (TrainingSession s = open(artifacts)) {
            for (int i = 0; i < 3; i++) {
                step(s, data.slice(i * 16, i * 16 + 16));
            }
            s.saveCheckpoint(resumed.resolve(TrainingArtifacts.CHECKPOINT), true);
            expected[0] = step(s, data.slice(48, 64));
            expected[1] = step(s, data.slice(64, 80));
        }
        for (String f : List.of(TrainingArtifacts.TRAINING_MODEL, TrainingArtifacts.EVAL_MODEL, TrainingArtifacts.OPTIMIZER_MODEL)) {
            Files.copy(artifacts.resolve(f), resumed.resolve(f));
        }
        try (TrainingSession s = open(resumed)) {
            assertEquals(expected[0], step(s, data.slice(48, 64)), 1e-6);
            assertEquals(expected[1], step(s, data.slice(64, 80)), 1e-6, "optimizer moments restored");
        }
    }

    @Test
    void oneStepMatchesDirectAdamWWithDecayOnMatricesOnly() throws Exception {
        Data batch = Data.blobs(16, 5);
        Path artifacts = writeArtifacts(dir.resolve("adamw"));
        Map<String, float[]> before = toMap(OrtCheckpoint.read(artifacts.resolve(TrainingArtifacts.CHECKPOINT)));
        Map<String, float[]> grads = referenceGradients(before, batch);
        Map<String, float[]> after;
        try (TrainingSession s = open(artifacts)) {
            step(s, batch);
            after = parameters(s, dir.resolve("after"));
        }
        Graph g = new Graph();
        classifier(g);
        for (Parameter p : g.parameters()) {
            float[] w0 = before.get(p.name());
            float[] g0 = grads.get(p.name());
            float[] w1 = after.get(p.name());
            for (int i = 0; i < w0.length; i++) {
                // torch.optim.AdamW at step 1: m_hat = g, v_hat = g^2
                double decayed = p.decay() ? w0[i] * (1 - (double) LR * ADAMW.weightDecay()) : w0[i];
                double expected = decayed - LR * g0[i] / (Math.abs((double) g0[i]) + ADAMW.epsilon());
                assertEquals(expected, w1[i], 1e-6, p.name() + "[" + i + "]");
            }
        }
    }

    @Test
    void exportedInferenceModelMatchesEvalModel() throws Exception {
        Data data = Data.blobs(64, 6);
        Path model = dir.resolve("classifier.onnx");
        float[] fromEval;
        try (TrainingSession s = open(writeArtifacts(dir.resolve("export")))) {
            for (int i = 0; i < 4; i++) {
                step(s, data.slice(i * 16, i * 16 + 16));
            }
            fromEval = evalLogits(s, data);
            s.exportModelForInference(model, List.of("logits"));
        }
        try (OrtSession plain = env.createSession(model.toString(), new OrtSession.SessionOptions());
                OnnxTensor x = tensor(data.x(), data.n(), FEATURES);
                OrtSession.Result r = plain.run(Map.of("x", x))) {
            float[] fromExport = floats((OnnxTensor) r.get(0));
            for (int i = 0; i < fromEval.length; i++) {
                assertEquals(fromEval[i], fromExport[i], 1e-6);
            }
        }
    }

    /** Gradients of the loss at {@code weights}, from our autodiff run in a plain session. */
    private Map<String, float[]> referenceGradients(Map<String, float[]> weights, Data d) throws Exception {
        Graph g = new Graph();
        Map<String, Value> m = classifier(g);
        List<Value> params = g.parameters().stream().map(Parameter::value).toList();
        Map<Value, Value> grads = Autodiff.gradients(m.get("loss"), params);
        Map<String, Value> outputs = new LinkedHashMap<>();
        grads.forEach((p, gr) -> outputs.put("grad:" + p.name(), gr));
        ModelSpec spec = new ModelSpec("grads", List.of(m.get("x"), m.get("y")), outputs, weights, Map.of());
        try (OrtSession s = env.createSession(spec.toProto().toByteArray(), new OrtSession.SessionOptions());
                OnnxTensor x = tensor(d.x(), d.n(), FEATURES);
                OnnxTensor y = tensor(d.y(), d.n(), CLASSES);
                OrtSession.Result r = s.run(Map.of("x", x, "y", y))) {
            Map<String, float[]> out = new HashMap<>();
            for (String name : outputs.keySet()) {
                out.put(name.substring("grad:".length()), floats((OnnxTensor) r.get(name).orElseThrow()));
            }
            return out;
        }
    }

    private static Map<String, float[]> parameters(TrainingSession s, Path file) throws Exception {
        s.saveCheckpoint(file, false);
        return toMap(OrtCheckpoint.read(file));
    }

    private static Map<String, float[]> toMap(OrtCheckpoint c) {
        Map<String, float[]> m = new HashMap<>();
        c.trainable().forEach(t -> m.put(t.name(), t.values()));
        c.frozen().forEach(t -> m.put(t.name(), t.values()));
        return m;
    }

    private static void assertParametersEqual(Map<String, float[]> a, Map<String, float[]> b, double tol) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            for (int i = 0; i < a.get(k).length; i++) {
                assertEquals(a.get(k)[i], b.get(k)[i], tol, k + "[" + i + "]");
            }
        }
    }

    private OnnxTensor tensor(float[] v, long... shape) throws Exception {
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(v), shape);
    }

    private static float[] floats(OnnxTensor t) {
        FloatBuffer b = t.getFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        return v;
    }
}
