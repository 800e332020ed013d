package ai.superclip.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.superclip.artifacts.ArtifactException;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Init;
import ai.superclip.graph.ModelSpec;
import ai.superclip.graph.Value;
import ai.superclip.inference.Embeddings;
import ai.superclip.inference.Model;
import ai.superclip.nn.Layers;
import ai.superclip.runtime.OrtRuntime;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Int8Quantization} against the arithmetic it promises, written out here from the ONNX operator definitions
 * ({@code DynamicQuantizeLinear}, {@code MatMulInteger}), and the quantised encoders against the float ones.
 */
class Int8QuantizationTest {
    private static final int ROWS = 5;
    private static final int IN = 24;
    private static final int OUT = 16;
    private final OrtEnvironment env = OrtRuntime.environment();

    @TempDir
    Path dir;

    @Test
    void aQuantizedLinearLayerComputesTheIntegerArithmetic() throws Exception {
        Random random = new Random(3);
        float[] x = gaussian(random, ROWS * IN, 1.5);
        float[] weight = gaussian(random, OUT * IN, 0.2); // [out, in], as Gemm with transB reads it
        java.util.Arrays.fill(weight, 0, IN, 0f); // an all-zero output channel: scale 1, its output the bias
        float[] bias = gaussian(random, OUT, 0.1);
        float[] projection = gaussian(random, IN * OUT, 0.2); // [in, out], as MatMul reads it

        Graph g = Graph.forInference();
        Value input = g.input("x", DType.FLOAT, ROWS, IN);
        Value gemm = Layers.linear(input, "fc", OUT, Init.zeros(), Init.zeros());
        Value matmul = input.matmul(g.parameter("proj", Init.zeros(), IN, OUT));
        ModelSpec spec = new ModelSpec("linear", List.of(input), Map.of("gemm", gemm, "matmul", matmul),
                Map.of("fc.weight", weight, "fc.bias", bias, "proj", projection), Map.of());
        ModelProto quantized = Int8Quantization.quantize(spec.toProto(), Path.of("linear.onnx"));

        Map<String, float[]> out = run(quantized, x);
        float[] expectedGemm = referenceLinear(x, weight, true, bias);
        float[] expectedMatmul = referenceLinear(x, projection, false, null);
        assertClose(expectedGemm, out.get("gemm"), "Gemm");
        assertClose(expectedMatmul, out.get("matmul"), "MatMul");
        assertThrows(ArtifactException.class, () -> Int8Quantization.quantize(quantized, Path.of("linear.onnx")),
                "quantizing twice is refused");
    }

    @Test
    void aWeightStillReadElsewhereIsKept() throws Exception {
        Random random = new Random(4);
        float[] x = gaussian(random, ROWS * IN, 1.0);
        float[] w = gaussian(random, OUT * IN, 0.2); // [out, in]
        Graph g = Graph.forInference();
        Value input = g.input("x", DType.FLOAT, ROWS, IN);
        Value transposed = g.parameter("w", Init.zeros(), OUT, IN).transpose(1, 0);
        ModelSpec spec = new ModelSpec("tied", List.of(input), Map.of("gemm", input.matmul(transposed),
                "matmul", transposed), Map.of("w", w), Map.of());
        ModelProto quantized = Int8Quantization.quantize(spec.toProto(), Path.of("tied.onnx"));
        assertTrue(quantized.getGraph().getInitializerList().stream().anyMatch(t -> t.getName().equals("w")),
                "the float weight stays: the graph still outputs its transpose");
        Map<String, float[]> out = run(quantized, x);
        assertClose(referenceLinear(x, w, true, null), out.get("gemm"), "the quantised product");
        float[] wT = new float[IN * OUT];
        for (int o = 0; o < OUT; o++) {
            for (int i = 0; i < IN; i++) {
                wT[i * OUT + o] = w[o * IN + i];
            }
        }
        assertClose(wT, out.get("matmul"), "the float transpose, untouched");
    }

    @Test
    void quantizedEncodersKeepTheFloatEmbeddings() throws Exception {
        ModelConfig tiny = Presets.get("tiny");
        Path artifacts = dir.resolve("artifacts");
        SuperClipModel.writeTrainingArtifacts(artifacts, tiny, List.of(), Map.of(), 5);
        Path floats = dir.resolve("float");
        Path int8 = dir.resolve("int8");
        InferenceExport.write(floats, tiny, artifacts.resolve(TrainingArtifacts.CHECKPOINT), Model.CLIP_TOKENIZER);
        InferenceExport.write(int8, tiny, artifacts.resolve(TrainingArtifacts.CHECKPOINT), Model.CLIP_TOKENIZER);
        Int8Quantization.quantizeEncoders(int8);
        assertTrue(Files.size(int8.resolve(InferenceExport.IMAGE_ENCODER))
                < 0.4 * Files.size(floats.resolve(InferenceExport.IMAGE_ENCODER)), "image encoder shrinks");

        // every linear layer is quantised; only the image encoder's patch embedding (a Gemm on the reshaped conv
        // kernel) stays float
        assertEquals(Map.of("Gemm", 1L), floatProducts(int8.resolve(InferenceExport.IMAGE_ENCODER)));
        assertEquals(Map.of(), floatProducts(int8.resolve(InferenceExport.TEXT_ENCODER)));

        TestBatch batch = TestBatch.random(tiny, 8, 11);
        try (Model f = Model.load(floats); Model q = Model.load(int8)) {
            double images = Embeddings.meanCosine(f.imageEncoder().encode(FloatBuffer.wrap(batch.pixels()), batch.size()),
                    q.imageEncoder().encode(FloatBuffer.wrap(batch.pixels()), batch.size()));
            double texts = Embeddings.meanCosine(f.textEncoder().encodeIds(LongBuffer.wrap(batch.ids()), batch.size()),
                    q.textEncoder().encodeIds(LongBuffer.wrap(batch.ids()), batch.size()));
            System.out.printf("int8 vs float32 encoders: mean cosine images %.5f, texts %.5f%n", images, texts);
            assertTrue(images >= 0.99, "images " + images);
            assertTrue(texts >= 0.99, "texts " + texts);
        }
    }

    /** How many float matrix products ({@code Gemm}, {@code MatMul}, {@code Attention}) the model has, by op. */
    private static Map<String, Long> floatProducts(Path model) throws Exception {
        return Int8Quantization.read(model).getGraph().getNodeList().stream().map(n -> n.getOpType())
                .filter(op -> op.equals("Gemm") || op.equals("MatMul") || op.equals("Attention"))
                .collect(Collectors.groupingBy(op -> op, Collectors.counting()));
    }

    /** The quantised layer as ONNX defines each step: uint8 activations per tensor, int8 weights per channel. */
    private static float[] referenceLinear(float[] x, float[] w, boolean outByIn, float[] bias) {
        float min = 0;
        float max = 0;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float xScale = (max - min) / 255;
        int xZero = (int) Math.max(0, Math.min(255, Math.rint(-min / xScale)));
        int[] xq = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            xq[i] = (int) Math.max(0, Math.min(255, Math.rint(x[i] / xScale) + xZero));
        }
        float[] y = new float[ROWS * OUT];
        for (int o = 0; o < OUT; o++) {
            float absMax = 0;
            for (int i = 0; i < IN; i++) {
                absMax = Math.max(absMax, Math.abs(w[outByIn ? o * IN + i : i * OUT + o]));
            }
            float wScale = absMax == 0 ? 1 : absMax / 127;
            for (int r = 0; r < ROWS; r++) {
                long acc = 0;
                for (int i = 0; i < IN; i++) {
                    long wq = Math.round(Math.rint(w[outByIn ? o * IN + i : i * OUT + o] / wScale));
                    acc += (long) (xq[r * IN + i] - xZero) * wq;
                }
                y[r * OUT + o] = acc * (xScale * wScale) + (bias == null ? 0 : bias[o]);
            }
        }
        return y;
    }

    private Map<String, float[]> run(ModelProto model, float[] x) throws Exception {
        try (OrtSession s = env.createSession(model.toByteArray(), new OrtSession.SessionOptions());
                OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {ROWS, IN});
                OrtSession.Result r = s.run(Map.of("x", in))) {
            return Map.of("gemm", values(r, "gemm"), "matmul", values(r, "matmul"));
        }
    }

    private static float[] values(OrtSession.Result r, String name) {
        FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        return v;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5 * (1 + Math.abs(expected[i])), what + " element " + i);
        }
    }

    private static float[] gaussian(Random random, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * std);
        }
        return v;
    }
}
