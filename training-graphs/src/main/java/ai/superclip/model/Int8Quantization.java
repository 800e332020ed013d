package ai.superclip.model;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.superclip.artifacts.ArtifactException;
import ai.superclip.artifacts.TrainingArtifacts;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Dynamic int8 quantisation of exported encoders, written from Java (ONNX Runtime's own quantisation tool is
 * Python). Every linear layer, a {@code Gemm} with {@code transB = 1} or a {@code MatMul} whose second input is a
 * 2-D float initializer (or that initializer transposed), becomes standard ONNX operators:
 *
 * <pre>
 *   x ─ DynamicQuantizeLinear ─┬─ x_q (uint8) ─ MatMulInteger(x_q, W_q, x_zero_point) ─ Cast(float) ─ Mul ─ [Add bias] ─ y
 *                              └─ x_scale ─────────────────── Mul(x_scale, W_scale) ────────────────┘
 * </pre>
 *
 * ONNX Runtime's fused {@code Attention} (the encoders' QKV projection) becomes its {@code QAttention} on the same
 * quantised input and weights.
 *
 * <p>The weights are quantised symmetrically per output channel: {@code W_scale[n] = max|W[n, :]| / 127},
 * {@code W_q = round(W / W_scale)} in [−127, 127], zero point 0. The activations are quantised per tensor at run
 * time to uint8 with ONNX's {@code DynamicQuantizeLinear} rule. ONNX Runtime fuses the pattern into its
 * {@code DynamicQuantizeMatMul} kernel. Everything else (embeddings, the attention scores, layer norms, the patch
 * embedding) stays float32. The encoders' metadata gains {@value #METADATA_KEY}.
 */
public final class Int8Quantization {
    /** Metadata key naming the quantisation an encoder went through. */
    public static final String METADATA_KEY = "superclip.quantization";
    /** Its value for this scheme. */
    public static final String SCHEME = "int8-dynamic-per-channel";
    private static final int INT8_MAX = 127;

    private Int8Quantization() {
    }

    /** Rewrites both exported encoders in {@code dir} in place (atomically, file by file). */
    public static void quantizeEncoders(Path dir) {
        for (String encoder : List.of(InferenceExport.IMAGE_ENCODER, InferenceExport.TEXT_ENCODER)) {
            Path file = dir.resolve(encoder);
            try {
                ModelProto model = read(file);
                TrainingArtifacts.writeModel(file, quantize(model, file));
            } catch (IOException e) {
                throw new ArtifactException("cannot quantize " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /** The model with its linear layers quantised; {@code source} names it in errors. */
    public static ModelProto quantize(ModelProto model, Path source) {
        for (StringStringEntryProto p : model.getMetadataPropsList()) {
            if (p.getKey().equals(METADATA_KEY)) {
                throw new ArtifactException(source + " is already quantized (" + p.getValue() + ")");
            }
        }
        GraphProto graph = model.getGraph();
        Map<String, TensorProto> initializers = new HashMap<>();
        graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        Map<String, Integer> uses = new HashMap<>();
        graph.getNodeList().forEach(n -> n.getInputList().forEach(i -> uses.merge(i, 1, Integer::sum)));

        Map<String, NodeProto> producers = new HashMap<>();
        graph.getNodeList().forEach(n -> n.getOutputList().forEach(o -> producers.put(o, n)));

        List<Linear> linears = new ArrayList<>();
        List<NodeProto> dropped = new ArrayList<>();
        for (NodeProto node : graph.getNodeList()) {
            Linear linear = Linear.of(node, initializers, producers);
            if (linear != null) {
                linears.add(linear);
                if (linear.transpose != null && uses.get(linear.transpose.getOutput(0)) == 1) {
                    dropped.add(linear.transpose);
                }
            }
        }
        List<NodeProto> nodes = new ArrayList<>();
        List<TensorProto> added = new ArrayList<>();
        List<String> replaced = new ArrayList<>();
        for (NodeProto node : graph.getNodeList()) {
            Linear linear = linears.stream().filter(l -> l.node == node).findFirst().orElse(null);
            if (linear == null) {
                if (!dropped.contains(node)) {
                    nodes.add(node);
                }
                continue;
            }
            String weightUse = linear.transpose != null ? linear.transpose.getInput(0) : linear.node.getInput(1);
            if (uses.get(weightUse) == 1) {
                replaced.add(linear.weight.getName());
            }
            rewrite(linear, nodes, added);
        }
        if (linears.isEmpty()) {
            throw new ArtifactException(source + " has no linear layer to quantize");
        }
        GraphProto.Builder g = graph.toBuilder().clearNode().addAllNode(nodes).clearInitializer();
        graph.getInitializerList().stream().filter(t -> !replaced.contains(t.getName())).forEach(g::addInitializer);
        g.addAllInitializer(added);
        return model.toBuilder().setGraph(g).addMetadataProps(
                StringStringEntryProto.newBuilder().setKey(METADATA_KEY).setValue(SCHEME)).build();
    }

    /**
     * A linear layer {@code y = x W^T (+ b)}: its node, its weight (stored [out, in] or [in, out]) and the
     * {@code Transpose} that feeds it the weight, if one does (the fused {@code Attention}'s packed QKV weight, the
     * text encoder's {@code MatMul} on W^T).
     */
    private record Linear(NodeProto node, TensorProto weight, boolean weightIsOutByIn, NodeProto transpose) {
        static Linear of(NodeProto node, Map<String, TensorProto> initializers, Map<String, NodeProto> producers) {
            if (node.getInputCount() < 2) {
                return null;
            }
            TensorProto direct = initializers.get(node.getInput(1));
            NodeProto t = producers.get(node.getInput(1));
            boolean viaTranspose = t != null && t.getOpType().equals("Transpose")
                    && isFloatMatrix(initializers.get(t.getInput(0)));
            switch (node.getOpType()) {
                case "Attention":
                    return viaTranspose ? new Linear(node, initializers.get(t.getInput(0)), true, t) : null;
                case "MatMul":
                    if (viaTranspose) {
                        return new Linear(node, initializers.get(t.getInput(0)), true, t);
                    }
                    return isFloatMatrix(direct) ? new Linear(node, direct, false, null) : null;
                case "Gemm":
                    boolean plain = intAttr(node, "transB", 0) == 1 && intAttr(node, "transA", 0) == 0
                            && floatAttr(node, "alpha") == 1 && floatAttr(node, "beta") == 1;
                    return plain && isFloatMatrix(direct) ? new Linear(node, direct, true, null) : null;
                default:
                    return null;
            }
        }

        private static boolean isFloatMatrix(TensorProto w) {
            return w != null && w.getDataType() == TensorProto.DataType.FLOAT.getNumber() && w.getDimsCount() == 2;
        }
    }

    private static void rewrite(Linear linear, List<NodeProto> nodes, List<TensorProto> added) {
        NodeProto node = linear.node;
        String x = node.getInput(0);
        String y = node.getOutput(0);
        String p = y + "_int8/";
        QuantizedWeight q = QuantizedWeight.of(linear);
        added.add(int8Tensor(p + "weight", q.values, q.rows, q.columns));
        added.add(floatTensor(p + "weight_scale", q.scales));
        nodes.add(node("DynamicQuantizeLinear", p + "quantize", List.of(x),
                List.of(p + "x_q", p + "x_scale", p + "x_zero_point")));
        if (node.getOpType().equals("Attention")) { // QAttention: the same attention on quantised inputs
            nodes.add(NodeProto.newBuilder().setOpType("QAttention").setDomain(node.getDomain()).setName(p + "attention")
                    .addAllInput(List.of(p + "x_q", p + "weight", node.getInput(2), p + "x_scale", p + "weight_scale",
                            "", p + "x_zero_point"))
                    .addAllAttribute(node.getAttributeList()).addOutput(y).build());
            return;
        }
        nodes.add(node("MatMulInteger", p + "matmul", List.of(p + "x_q", p + "weight", p + "x_zero_point"),
                List.of(p + "accumulated")));
        nodes.add(node("Cast", p + "cast", List.of(p + "accumulated"), List.of(p + "accumulated_float")).toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                        .setI(TensorProto.DataType.FLOAT.getNumber())).build());
        nodes.add(node("Mul", p + "scale", List.of(p + "x_scale", p + "weight_scale"), List.of(p + "scale")));
        boolean bias = node.getOpType().equals("Gemm") && node.getInputCount() > 2 && !node.getInput(2).isEmpty();
        String scaled = bias ? p + "unbiased" : y;
        nodes.add(node("Mul", p + "rescale", List.of(p + "accumulated_float", p + "scale"), List.of(scaled)));
        if (bias) {
            nodes.add(node("Add", p + "bias", List.of(scaled, node.getInput(2)), List.of(y)));
        }
    }

    /** Per-output-channel symmetric int8 weights laid out [in, out] for MatMulInteger, with their scales. */
    private record QuantizedWeight(byte[] values, float[] scales, int rows, int columns) {
        static QuantizedWeight of(Linear linear) {
            float[] w = floats(linear.weight);
            int d0 = (int) linear.weight.getDims(0);
            int d1 = (int) linear.weight.getDims(1);
            int out = linear.weightIsOutByIn ? d0 : d1;
            int in = linear.weightIsOutByIn ? d1 : d0;
            float[] scales = new float[out];
            for (int o = 0; o < out; o++) {
                float max = 0;
                for (int i = 0; i < in; i++) {
                    max = Math.max(max, Math.abs(w[index(linear, o, i, in, out)]));
                }
                scales[o] = max == 0 ? 1 : max / INT8_MAX;
            }
            byte[] q = new byte[in * out];
            for (int i = 0; i < in; i++) {
                for (int o = 0; o < out; o++) {
                    long r = Math.round(Math.rint(w[index(linear, o, i, in, out)] / scales[o]));
                    q[i * out + o] = (byte) Math.max(-INT8_MAX, Math.min(INT8_MAX, r));
                }
            }
            return new QuantizedWeight(q, scales, in, out);
        }

        private static int index(Linear linear, int o, int i, int in, int out) {
            return linear.weightIsOutByIn ? o * in + i : i * out + o;
        }
    }

    private static NodeProto node(String op, String name, List<String> inputs, List<String> outputs) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addAllOutput(outputs).build();
    }

    private static long intAttr(NodeProto node, String name, long absent) {
        return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).mapToLong(AttributeProto::getI)
                .findFirst().orElse(absent);
    }

    private static float floatAttr(NodeProto node, String name) {
        return (float) node.getAttributeList().stream().filter(a -> a.getName().equals(name))
                .mapToDouble(AttributeProto::getF).findFirst().orElse(1);
    }

    private static float[] floats(TensorProto t) {
        if (t.getFloatDataCount() > 0) {
            float[] v = new float[t.getFloatDataCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.getFloatData(i);
            }
            return v;
        }
        float[] v = new float[t.getRawData().size() / Float.BYTES];
        t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    private static TensorProto int8Tensor(String name, byte[] values, long rows, long columns) {
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT8.getNumber())
                .addDims(rows).addDims(columns).setRawData(ByteString.copyFrom(values)).build();
    }

    private static TensorProto floatTensor(String name, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT.getNumber())
                .addDims(values.length).setRawData(ByteString.copyFrom(b.array())).build();
    }

    /** Reads an ONNX model, with the data of its externally stored initializers (ONNX external data) inlined. */
    static ModelProto read(Path file) throws IOException {
        ModelProto model;
        try (InputStream in = Files.newInputStream(file)) {
            model = ModelProto.parseFrom(in);
        }
        GraphProto.Builder graph = model.getGraph().toBuilder();
        boolean external = false;
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto t = graph.getInitializer(i);
            if (t.getDataLocation() != TensorProto.DataLocation.EXTERNAL) {
                continue;
            }
            external = true;
            Map<String, String> entries = new HashMap<>();
            t.getExternalDataList().forEach(e -> entries.put(e.getKey(), e.getValue()));
            Path data = file.resolveSibling(entries.get("location"));
            long offset = Long.parseLong(entries.getOrDefault("offset", "0"));
            int length = Math.toIntExact(Long.parseLong(entries.get("length")));
            ByteBuffer bytes = ByteBuffer.allocate(length);
            try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ)) {
                while (bytes.hasRemaining()) {
                    if (channel.read(bytes, offset + bytes.position()) < 0) {
                        throw new ArtifactException(data + " ends before tensor " + t.getName() + "'s data");
                    }
                }
            }
            graph.setInitializer(i, t.toBuilder().clearExternalData().clearDataLocation()
                    .setRawData(ByteString.copyFrom(bytes.flip())).build());
        }
        return external ? model.toBuilder().setGraph(graph).build() : model;
    }
}
