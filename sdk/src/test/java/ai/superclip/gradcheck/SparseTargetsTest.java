package ai.superclip.gradcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.superclip.autodiff.Autodiff;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.ModelSpec;
import ai.superclip.graph.Value;
import ai.superclip.nn.Functions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The classification loss over sparse targets (each row's ids and weights, padded with id 0 and weight 0) equals
 * the dense soft-target cross-entropy over the [B, C] rows that hold those weights, in value and gradient.
 */
class SparseTargetsTest {

    @Test
    void sparseTargetsGiveTheDenseLossAndGradient() throws Exception {
        int b = 5;
        int c = 40;
        int width = 7;
        Random random = new Random(4);
        float[] logits = new float[b * c];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (3 * random.nextGaussian());
        }
        long[] ids = new long[b * width];
        float[] weights = new float[b * width];
        float[] dense = new float[b * c];
        for (int r = 0; r < b; r++) {
            int[] row = random.ints(r == b - 1 ? 0 : 1 + random.nextInt(width), 0, c).sorted().distinct().toArray();
            if (r == 0) {
                row = new int[] {0, 3, 17}; // id 0 is a real target too: padding (id 0, weight 0) must not disturb it
            }
            double sum = 0;
            double[] w = random.doubles(row.length, 0.1, 1).toArray();
            for (double x : w) {
                sum += x;
            }
            for (int k = 0; k < row.length; k++) {
                ids[r * width + k] = row[k];
                weights[r * width + k] = (float) (w[k] / sum);
                dense[r * c + row[k]] = weights[r * width + k];
            }
        }
        Graph g = new Graph();
        Value z = g.input("z", DType.FLOAT, -1, c);
        Value targets = g.input("targets", DType.FLOAT, -1, c);
        Value targetIds = g.input("ids", DType.INT64, -1, width);
        Value targetWeights = g.input("weights", DType.FLOAT, -1, width);
        Value denseLoss = Functions.softTargetCrossEntropy(z, targets);
        Value sparseLoss = Functions.sparseSoftTargetCrossEntropy(z, targetIds, targetWeights);
        Map<String, Value> outputs = new LinkedHashMap<>();
        outputs.put("dense", denseLoss);
        outputs.put("sparse", sparseLoss);
        outputs.put("dense_grad", Autodiff.gradients(denseLoss, List.of(z)).get(z));
        outputs.put("sparse_grad", Autodiff.gradients(sparseLoss, List.of(z)).get(z));
        ModelSpec spec = new ModelSpec("targets", List.of(z, targets, targetIds, targetWeights), outputs, Map.of(), Map.of());
        Map<String, OnnxRunner.Feed> feeds = Map.of("z", OnnxRunner.Feed.of(new long[] {b, c}, logits),
                "targets", OnnxRunner.Feed.of(new long[] {b, c}, dense),
                "ids", OnnxRunner.Feed.ofLongs(new long[] {b, width}, ids),
                "weights", OnnxRunner.Feed.of(new long[] {b, width}, weights));
        try (OnnxRunner runner = new OnnxRunner(spec.toProto())) {
            Map<String, float[]> out = runner.run(feeds, List.copyOf(outputs.keySet()));
            assertEquals(out.get("dense")[0], out.get("sparse")[0], 1e-6);
            double worst = 0;
            for (int i = 0; i < b * c; i++) {
                worst = Math.max(worst, Math.abs(out.get("dense_grad")[i] - out.get("sparse_grad")[i]));
            }
            System.out.printf("sparse vs dense targets: loss %.7f vs %.7f, largest gradient difference %.2e%n",
                    out.get("sparse")[0], out.get("dense")[0], worst);
            assertEquals(0, worst, 1e-7);
        }
    }
}
