package ai.superclip.artifacts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Init;
import ai.superclip.graph.Parameter;
import ai.superclip.graph.Shape;
import ai.superclip.graph.Value;
import ai.superclip.nn.Functions;
import ai.superclip.nn.Layers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The written artifacts follow ONNX Runtime's on-device training contract, name by name and in order. */
class ArtifactContractTest {
    @TempDir
    Path dir;

    @Test
    void artifactsFollowTheContract() throws Exception {
        Graph g = new Graph();
        Value x = g.input("x", DType.FLOAT, Shape.UNKNOWN, 6);
        Value y = g.input("y", DType.FLOAT, Shape.UNKNOWN, 3);
        Value h = Layers.layerNorm(Layers.linear(x, "fc1", 8, Init.normal(0.3), Init.zeros()), "norm");
        Value logits = Layers.linear(h, "head", 3, Init.normal(0.3), Init.zeros());
        g.freeze("norm.");
        Value loss = Functions.softTargetCrossEntropy(logits, y);

        TrainingArtifacts.Layout layout = TrainingArtifacts.write(dir, loss, List.of(x, y), Map.of("logits", logits),
                AdamW.defaults(), Map.of(), 42);

        List<String> trainable = List.of("fc1.weight", "fc1.bias", "head.weight", "head.bias");
        List<String> frozen = List.of("norm.weight", "norm.bias");
        assertEquals(trainable, layout.trainable());
        assertEquals(frozen, layout.frozen());
        assertEquals(List.of("x", "y", "gradient_scale", "weight_decay_step"), layout.userInputs());

        ModelProto training = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("training_model.onnx")));
        List<String> expectedInputs = new java.util.ArrayList<>(layout.userInputs());
        expectedInputs.addAll(List.of("fc1.weight", "fc1.bias", "norm.weight", "norm.bias", "head.weight", "head.bias"));
        trainable.forEach(p -> expectedInputs.add(p + "_grad.accumulation.buffer"));
        expectedInputs.add("lazy_reset_grad");
        assertEquals(expectedInputs, names(training.getGraph().getInputList()));
        List<String> expectedOutputs = new java.util.ArrayList<>(List.of("loss", "logits"));
        trainable.forEach(p -> expectedOutputs.add(p + "_grad.accumulation.out"));
        assertEquals(expectedOutputs, names(training.getGraph().getOutputList()));
        long accumulators = training.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("InPlaceAccumulatorV2") && n.getInput(0).endsWith("_grad.accumulation.buffer"))
                .count();
        assertEquals(trainable.size(), accumulators);
        assertTrue(training.getGraph().getInitializerList().stream().noneMatch(t -> trainable.contains(t.getName())),
                "parameters must be inputs, not initializers");
        for (String p : frozen) { // frozen parameters get no gradient nodes
            assertFalse(training.getGraph().getNodeList().stream().anyMatch(n -> n.getOutputList().contains(p + "_grad")));
        }
        assertTrue(training.getOpsetImportList().stream().anyMatch(o -> o.getDomain().equals("com.microsoft")));
        assertTrue(training.getOpsetImportList().stream().anyMatch(o -> o.getDomain().isEmpty() && o.getVersion() >= 17));

        ModelProto eval = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("eval_model.onnx")));
        assertEquals(List.of("x", "y", "fc1.weight", "fc1.bias", "norm.weight", "norm.bias", "head.weight", "head.bias"),
                names(eval.getGraph().getInputList()));
        assertEquals(List.of("loss", "logits"), names(eval.getGraph().getOutputList()));
        assertTrue(eval.getGraph().getNodeList().stream().map(NodeProto::getOpType)
                .noneMatch(op -> op.endsWith("Grad") || op.equals("InPlaceAccumulatorV2")), "eval model has no backward");

        ModelProto optimizer = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("optimizer_model.onnx")));
        assertEquals(List.of("learning_rate", "step", "params", "gradients", "first_order_moments", "second_order_moments"),
                names(optimizer.getGraph().getInputList()));
        assertEquals(1, optimizer.getGraph().getNodeCount());
        assertEquals("AdamWOptimizer", optimizer.getGraph().getNode(0).getOpType());

        byte[] raw = Files.readAllBytes(dir.resolve("checkpoint"));
        assertEquals("ODTC", new String(raw, 4, 4, StandardCharsets.US_ASCII));
        OrtCheckpoint ckpt = OrtCheckpoint.read(dir.resolve("checkpoint"));
        List<String> sortedTrainable = trainable.stream().sorted().toList();
        assertEquals(sortedTrainable, ckpt.trainable().stream().map(NamedArray::name).toList());
        assertEquals(frozen.stream().sorted().toList(), ckpt.frozen().stream().map(NamedArray::name).toList());
        NamedArray w = ckpt.trainable().stream().filter(a -> a.name().equals("fc1.weight")).findFirst().orElseThrow();
        assertArrayEquals(new long[] {8, 6}, w.shape());
        double std = Math.sqrt(Arrays.stream(toDouble(w.values())).map(v -> v * v).average().orElseThrow());
        assertEquals(0.3, std, 0.08, "fc1.weight drawn from N(0, 0.3^2)");
    }

    @Test
    void sameSeedGivesSameInitialWeights() throws Exception {
        float[] a = writeAndRead(dir.resolve("a"), 7);
        float[] b = writeAndRead(dir.resolve("b"), 7);
        float[] c = writeAndRead(dir.resolve("c"), 8);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    private static float[] writeAndRead(Path out, long seed) {
        Graph g = new Graph();
        Value x = g.input("x", DType.FLOAT, Shape.UNKNOWN, 4);
        Value y = g.input("y", DType.FLOAT, Shape.UNKNOWN, 2);
        Value loss = Functions.softTargetCrossEntropy(Layers.linear(x, "fc", 2, Init.normal(1.0), Init.zeros()), y);
        TrainingArtifacts.write(out, loss, List.of(x, y), Map.of(), AdamW.defaults(), Map.of(), seed);
        return OrtCheckpoint.read(out.resolve("checkpoint")).trainable().stream()
                .filter(t -> t.name().equals("fc.weight")).findFirst().orElseThrow().values();
    }

    private static List<String> names(List<ValueInfoProto> infos) {
        return infos.stream().map(ValueInfoProto::getName).toList();
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    @Test
    void theFirstCheckpointKeepsItsParametersExternallyWhenTheStateOnnxRuntimeWillSaveWouldPassTheThreshold() {
        // ORT saves parameters and two AdamW moments per trainable one: 160 M trainable floats make 1.92 GB
        Parameter big = new Parameter("big", new long[] {160_000_000L}, null, true, null, null);
        Parameter small = new Parameter("small", new long[] {1000}, null, true, null, null);
        assertTrue(TrainingArtifacts.needsExternalData(List.of(big), List.of()));
        assertFalse(TrainingArtifacts.needsExternalData(List.of(small), List.of(big.withTrainable(false))),
                "frozen parameters have no moments: 640 MB");
    }
}
