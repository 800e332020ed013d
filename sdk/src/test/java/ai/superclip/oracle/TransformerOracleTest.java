package ai.superclip.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Init;
import ai.superclip.graph.Parameter;
import ai.superclip.graph.Shape;
import ai.superclip.graph.Value;
import ai.superclip.nn.Activation;
import ai.superclip.nn.Functions;
import ai.superclip.nn.Layers;
import ai.superclip.nn.Transformer;
import ai.superclip.runtime.OrtRuntime;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Independent oracle: a two-block pre-LN transformer (causal multi-head attention, GELU MLP, LayerNorm), a
 * linear head and a soft-target cross-entropy give the same loss and parameter gradients in our graphs (run by
 * ONNX Runtime) as in libtorch autograd (float64, through DJL), for identical weights.
 */
class TransformerOracleTest {
    private static final int B = 3;
    private static final int T = 5;
    private static final int D = 16;
    private static final int HEADS = 4;
    private static final int CLASSES = 7;

    @Test
    void lossAndGradientsMatchLibtorch() throws Exception {
        Graph g = new Graph();
        Value x = g.input("x", DType.FLOAT, Shape.UNKNOWN, T, D);
        Value targets = g.input("targets", DType.FLOAT, Shape.UNKNOWN, CLASSES);
        Value h = new Transformer(D, 2, HEADS, 4 * D, Activation.GELU, true, Transformer.Initialisation.CLIP_TEXT).apply(x);
        Value pooled = Layers.layerNorm(h, "ln_final").mean(false, 1);
        Value loss = Functions.softTargetCrossEntropy(Layers.linear(pooled, "head", CLASSES, Init.normal(0.2), Init.zeros()), targets);
        List<Parameter> params = g.parameters();

        Random random = new Random(11);
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (Parameter p : params) { // random everywhere, LayerNorm scales around 1, so every path matters
            float[] v = new float[p.size()];
            boolean norm = p.name().contains("ln_");
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((norm && p.name().endsWith("weight") ? 1 : 0) + random.nextGaussian() * (norm ? 0.1 : 0.2));
            }
            weights.put(p.name(), v);
        }
        Map<String, OracleTensor> oracleWeights = OracleParity.forOracle(params, weights);
        float[] xs = gaussian(random, B * T * D);
        float[] ys = softTargets(random);

        OrtEnvironment env = OrtRuntime.environment();
        Map<String, float[]> ours;
        try (OnnxTensor xt = OnnxTensor.createTensor(env, FloatBuffer.wrap(xs), new long[] {B, T, D});
                OnnxTensor yt = OnnxTensor.createTensor(env, FloatBuffer.wrap(ys), new long[] {B, CLASSES})) {
            ours = OracleParity.run(loss, Map.of("loss", loss), List.of(x, targets), weights,
                    Map.of("x", xt, "targets", yt));
        }

        TorchOracle.Result ref;
        try (TorchOracle oracle = new TorchOracle()) {
            ref = oracle.transformerClassifier(oracleWeights, OracleTensor.fromFloats(new long[] {B, T, D}, xs),
                    OracleTensor.fromFloats(new long[] {B, CLASSES}, ys), HEADS, true, TorchOracle.Activation.GELU);
        }
        double lossErr = Math.abs(ours.get("loss")[0] - ref.total()) / Math.abs(ref.total());
        OracleParity.Comparison worst = new OracleParity.Comparison(0, "");
        for (Map.Entry<String, OracleTensor> e : ref.gradients().entrySet()) {
            worst = worst.max(OracleParity.Comparison.of(e.getKey(), ours.get(OracleParity.GRAD + e.getKey()), e.getValue()));
        }
        System.out.printf("transformer oracle: loss %.6f vs libtorch %.6f (rel %.1e); worst gradient error %.1e (%s)%n",
                ours.get("loss")[0], ref.total(), lossErr, worst.error(), worst.where());
        assertTrue(lossErr < 1e-5, "loss relative error " + lossErr);
        assertTrue(worst.error() < 1e-4, "gradient error " + worst.error() + " at " + worst.where());
    }

    private static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static float[] softTargets(Random r) {
        float[] y = new float[B * CLASSES];
        for (int b = 0; b < B; b++) {
            double sum = 0;
            for (int c = 0; c < CLASSES; c++) {
                y[b * CLASSES + c] = r.nextFloat() < 0.4 ? r.nextFloat() : 0;
                sum += y[b * CLASSES + c];
            }
            for (int c = 0; c < CLASSES; c++) {
                y[b * CLASSES + c] = sum > 0 ? (float) (y[b * CLASSES + c] / sum) : 1f / CLASSES;
            }
        }
        return y;
    }
}
