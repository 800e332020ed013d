package ai.superclip.gradcheck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.superclip.autodiff.Autodiff;
import ai.superclip.graph.Graph;
import ai.superclip.graph.ModelSpec;
import ai.superclip.graph.Node;
import ai.superclip.graph.Parameter;
import ai.superclip.graph.Value;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.model.SuperClipModel;
import ai.superclip.runtime.OrtRuntime;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gradient checkpointing ({@code Autodiff.gradients(…, recomputeSegments = true)}) on the tiny SuperCLIP model: the
 * gradients of every parameter equal those of the plain backward graph exactly, run by ONNX Runtime with all its graph
 * optimisations; the backward graph reads no activation from inside a transformer block; and ONNX Runtime keeps the
 * recomputation (its common-subexpression elimination does not merge it back into the forward pass).
 */
class GradientCheckpointingTest {
    private static final int BATCH = 3;
    private static final ModelConfig CONFIG = Presets.get("tiny").withTokenizer(500, 12);

    @TempDir
    Path dir;

    /** One model's forward and backward: the graph, where its backward starts, and its gradients by parameter. */
    private record Differentiated(Graph graph, int forwardNodes, List<Value> inputs, Map<String, Value> gradients) {
        static Differentiated of(boolean recompute) {
            SuperClipModel.Training t = SuperClipModel.training(CONFIG);
            Graph g = t.graph();
            int forward = g.nodeCount();
            List<Value> params = g.parameters().stream().map(Parameter::value).toList();
            Value one = g.constant(new float[] {1f}, t.loss().shape());
            Map<String, Value> grads = new LinkedHashMap<>();
            Autodiff.gradients(t.loss(), one, params, recompute).forEach((p, gr) -> grads.put(p.name(), gr));
            return new Differentiated(g, forward, t.inputs(), grads);
        }
    }

    @Test
    void gradientsEqualThePlainGraphs() throws Exception {
        Map<String, float[]> plain = run(Differentiated.of(false), null);
        Map<String, float[]> recomputed = run(Differentiated.of(true), null);
        assertEquals(plain.keySet(), recomputed.keySet());
        for (String name : plain.keySet()) { // the same kernels on the same values: bit for bit
            assertArrayEquals(plain.get(name), recomputed.get(name), name);
        }
    }

    @Test
    void backwardReadsNoActivationFromInsideABlock() {
        Set<Value> plain = insideBlocksReadByBackward(Differentiated.of(false));
        Set<Value> recomputed = insideBlocksReadByBackward(Differentiated.of(true));
        assertTrue(plain.size() > 10 * (CONFIG.vision().layers() + CONFIG.text().layers()),
                "the plain backward keeps the blocks' activations: " + plain.size());
        assertEquals(Set.of(), recomputed);
    }

    @Test
    void onnxRuntimeKeepsTheRecomputation() throws Exception {
        Path plainFile = dir.resolve("plain.onnx");
        Path recomputedFile = dir.resolve("recomputed.onnx");
        run(Differentiated.of(false), plainFile);
        run(Differentiated.of(true), recomputedFile);
        int blocks = CONFIG.vision().layers() + CONFIG.text().layers();
        Map<String, Integer> plain = opCounts(plainFile);
        Map<String, Integer> recomputed = opCounts(recomputedFile);
        // each block has one Softmax (attention) and two layer norms; the recomputation runs them once more (without
        // the gate of Recomputation, ORT's common-subexpression elimination merges the copies: the counts stay equal)
        assertEquals(plain.get("Softmax") + blocks, recomputed.get("Softmax"), () -> plain + " vs " + recomputed);
        assertEquals(plain.get("LayerNormalization") + 2 * blocks, recomputed.get("LayerNormalization"));
    }

    /**
     * Values computed inside a block (by a segment node, and not the block's output) that a backward node reads.
     */
    private static Set<Value> insideBlocksReadByBackward(Differentiated d) {
        List<Node> nodes = d.graph().nodes();
        Set<Value> blockOutputs = new HashSet<>();
        Set<Value> inside = new HashSet<>();
        for (List<Node> segment : d.graph().segments()) {
            segment.forEach(n -> inside.addAll(n.outputs()));
            blockOutputs.addAll(segment.get(segment.size() - 1).outputs());
        }
        inside.removeAll(blockOutputs);
        Set<Value> read = new HashSet<>();
        for (Node n : nodes.subList(d.forwardNodes(), nodes.size())) {
            n.inputs().stream().filter(inside::contains).forEach(read::add);
        }
        return read;
    }

    /** The gradients at seeded weights and inputs, by ONNX Runtime at its full optimisation level. */
    private static Map<String, float[]> run(Differentiated d, Path optimisedModel) throws Exception {
        Map<String, float[]> weights = new HashMap<>();
        for (Parameter p : d.graph().parameters()) {
            weights.put(p.name(), p.initialValue(11));
        }
        Map<String, Value> outputs = new LinkedHashMap<>();
        d.gradients().forEach((name, gr) -> outputs.put("grad:" + name, gr));
        ModelSpec spec = new ModelSpec("grads", d.inputs(), outputs, weights, Map.of());
        OrtEnvironment env = OrtRuntime.environment(); // the training build, which has the gradient kernels
        Random random = new Random(5);
        int size = CONFIG.vision().imageSize();
        int width = CONFIG.text().contextLength();
        float[] pixels = new float[BATCH * 3 * size * size];
        long[] ids = new long[BATCH * width];
        long[] targetIds = new long[BATCH * width];
        float[] targetWeights = new float[BATCH * width];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(CONFIG.text().vocabSize());
            targetIds[i] = ids[i];
            targetWeights[i] = 1f / width;
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (optimisedModel != null) {
                options.setOptimizedModelFilePath(optimisedModel.toString());
            }
            try (OrtSession s = env.createSession(spec.toProto().toByteArray(), options);
                    OnnxTensor px = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {BATCH, 3, size, size});
                    OnnxTensor ix = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {BATCH, width});
                    OnnxTensor tx = OnnxTensor.createTensor(env, LongBuffer.wrap(targetIds), new long[] {BATCH, width});
                    OnnxTensor wx = OnnxTensor.createTensor(env, FloatBuffer.wrap(targetWeights), new long[] {BATCH, width});
                    OrtSession.Result r = s.run(Map.of(SuperClipModel.PIXELS, px, SuperClipModel.INPUT_IDS, ix,
                            SuperClipModel.CLS_TARGET_IDS, tx, SuperClipModel.CLS_TARGET_WEIGHTS, wx))) {
                Map<String, float[]> out = new LinkedHashMap<>();
                for (String name : outputs.keySet()) {
                    FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
                    float[] v = new float[b.remaining()];
                    b.get(v);
                    out.put(name, v);
                }
                return out;
            }
        }
    }

    /** How many nodes of each op type a model file holds. */
    private static Map<String, Integer> opCounts(Path file) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (NodeProto n : ModelProto.parseFrom(Files.readAllBytes(file)).getGraph().getNodeList()) {
            counts.merge(n.getOpType(), 1, Integer::sum);
        }
        return counts;
    }
}
