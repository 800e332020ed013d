package ai.superclip.model;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.superclip.artifacts.ArtifactException;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.graph.ModelSpec;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 *
 * <p>The activations' scale is one per tensor, over the whole batch: an int8 embedding depends slightly on the other
 * inputs of its batch (and a caption's on the length the batch is trimmed to), unlike a float32 one. The mean cosine
 * to float32 is 0.9995 or more on the SDK's tests and benchmark.
 */
public final class Int8Quantization {
    /** Metadata key naming the quantisation an encoder went through. */
    public static final String METADATA_KEY = "superclip.quantization";
    /** Its value for this scheme. */
    public static final String SCHEME = "int8-dynamic-per-channel";
    private static final int INT8_MAX = 127;

    private Int8Quantization() {
    }

    /**
     * Rewrites both exported encoders in {@code dir} in place: both are quantised in memory first, then each file is
     * replaced atomically, so a model that cannot be quantised leaves both as they were.
     */
    public static void quantizeEncoders(Path dir) {
        Map<Path, ModelProto> quantized = new LinkedHashMap<>();
        for (String encoder : List.of(InferenceExport.IMAGE_ENCODER, InferenceExport.TEXT_ENCODER)) {
            Path file = dir.resolve(encoder);
            try {
                quantized.put(file, quantize(read(file), file));
            } catch (IOException e) {
                throw new ArtifactException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        quantized.forEach((file, model) -> {
            try {
                TrainingArtifacts.writeModel(file, model);
            } catch (IOException e) {
                throw new ArtifactException("cannot write " + file + ": " + e.getMessage(), e);
            }
        });
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
        Map<String, NodeProto> producers = new HashMap<>();
        graph.getNodeList().forEach(n -> n.getOutputList().forEach(o -> producers.put(o, n)));
        List<NodeProto> nodes = new ArrayList<>();
        List<TensorProto> added = new ArrayList<>();
        int quantized = 0;
        for (NodeProto node : graph.getNodeList()) {
            Linear linear = Linear.of(node, initializers, producers);
            if (linear == null) {
                nodes.add(node);
            } else {
                rewrite(linear, nodes, added);
                quantized++;
            }
        }
        if (quantized == 0) {
            throw new ArtifactException(source + " has no linear layer to quantize");
        }
        List<TensorProto> tensors = new ArrayList<>(graph.getInitializerList());
        tensors.addAll(added);
        return model.toBuilder().setGraph(withoutUnread(graph, nodes, tensors)).addMetadataProps(
                StringStringEntryProto.newBuilder().setKey(METADATA_KEY).setValue(SCHEME)).build();
    }

    /**
     * {@code graph} with {@code nodes} and {@code initializers}, less what nothing reads any more: the float weights
     * the quantised layers replaced, and the transposes that fed them (unless another node still reads them).
     */
    private static GraphProto withoutUnread(GraphProto graph, List<NodeProto> nodes, List<TensorProto> initializers) {
        List<NodeProto> kept = new ArrayList<>(nodes);
        Set<String> read = new HashSet<>();
        for (int before = -1; before != kept.size();) {
            before = kept.size();
            read.clear();
            kept.forEach(n -> read.addAll(n.getInputList()));
            graph.getOutputList().forEach(o -> read.add(o.getName()));
            kept.removeIf(n -> n.getOutputList().stream().noneMatch(read::contains));
        }
        return graph.toBuilder().clearNode().addAllNode(kept).clearInitializer()
                .addAllInitializer(initializers.stream().filter(t -> read.contains(t.getName())).toList()).build();
    }

    /**
     * A linear layer {@code y = x W^T (+ b)}: its node and its weight, stored [out, in] or [in, out]; the weight may
     * reach the node through a {@code Transpose} (the fused {@code Attention}'s packed QKV weight; a {@code MatMul}
     * on W^T, as other exporters write linear layers).
     */
    private record Linear(NodeProto node, TensorProto weight, boolean weightIsOutByIn) {
        static Linear of(NodeProto node, Map<String, TensorProto> initializers, Map<String, NodeProto> producers) {
            if (node.getInputCount() < 2) {
                return null;
            }
            TensorProto direct = initializers.get(node.getInput(1));
            NodeProto t = producers.get(node.getInput(1));
            boolean viaTranspose = t != null && t.getOpType().equals("Transpose")
                    && isFloatMatrix(initializers.get(t.getInput(0)));
            switch (node.getOpType()) {
                case "Attention": // the encoders' form: input, packed weight, bias (no mask, past or bias inputs)
                    boolean plainAttention = node.getInputCount() == 3;
                    return viaTranspose && plainAttention ? new Linear(node, initializers.get(t.getInput(0)), true)
                            : null;
                case "MatMul":
                    if (viaTranspose) {
                        return new Linear(node, initializers.get(t.getInput(0)), true);
                    }
                    return isFloatMatrix(direct) ? new Linear(node, direct, false) : null;
                case "Gemm":
                    boolean plain = intAttr(node, "transB", 0) == 1 && intAttr(node, "transA", 0) == 0
                            && floatAttr(node, "alpha") == 1 && floatAttr(node, "beta") == 1;
                    return plain && isFloatMatrix(direct) ? new Linear(node, direct, true) : null;
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
        added.add(ModelSpec.floatTensor(p + "weight_scale", new long[] {q.scales.length}, q.scales));
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
            String declared = entries.get("length"); // absent: to the end of the file
            int length = Math.toIntExact(declared != null ? Long.parseLong(declared) : Files.size(data) - offset);
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
