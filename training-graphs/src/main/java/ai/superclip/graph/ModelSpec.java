package ai.superclip.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What to write out of a {@link Graph} as one ONNX model: the declared inputs in order, the named outputs in
 * order, parameters to embed as initializers (the rest must be inputs), and metadata. Only the nodes the
 * outputs need are written.
 *
 * @param inputs graph inputs, in order (parameters included when they are to be fed)
 * @param outputs output name to value, in order; a value under another name is exposed through Identity
 * @param embedded parameter name to value, written as initializers
 */
public record ModelSpec(String name, List<Value> inputs, Map<String, Value> outputs, Map<String, float[]> embedded,
        Map<String, String> metadata) {

    /** The symbolic name given to unknown input dimensions. */
    public static final String BATCH = "batch";

    /** Builds the ModelProto. */
    public ModelProto toProto() {
        if (inputs.isEmpty() && outputs.isEmpty()) {
            throw new GraphException("model " + name + " has no inputs or outputs");
        }
        Graph g = outputs.values().iterator().next().graph();
        List<Node> needed = neededNodes(g);
        GraphProto.Builder gp = GraphProto.newBuilder().setName(name);
        Set<String> declared = new HashSet<>();
        for (Value v : inputs) {
            gp.addInput(valueInfo(v.name(), v, true));
            declared.add(v.name());
        }
        Map<String, Value> used = new LinkedHashMap<>(); // graph leaves the model reads, by name
        for (Node n : needed) {
            gp.addNode(nodeProto(n));
            n.inputs().stream().filter(v -> v != null && v.producer() == null).forEach(v -> used.put(v.name(), v));
        }
        outputs.values().stream().filter(v -> v.producer() == null).forEach(v -> used.put(v.name(), v));
        Map<String, TensorProto> constants = g.constants();
        for (String u : used.keySet()) {
            if (declared.contains(u)) {
                continue;
            }
            if (constants.containsKey(u)) {
                gp.addInitializer(constants.get(u));
            } else if (embedded.containsKey(u)) {
                gp.addInitializer(floatTensor(u, used.get(u).shape(), embedded.get(u)));
            } else {
                throw new GraphException("model " + name + " uses " + u + ", which is neither an input nor embedded");
            }
        }
        for (Map.Entry<String, Value> e : outputs.entrySet()) {
            Value v = e.getValue();
            if (!v.name().equals(e.getKey())) {
                gp.addNode(NodeProto.newBuilder().setOpType("Identity").setName(e.getKey() + "/identity")
                        .addInput(v.name()).addOutput(e.getKey()));
            }
            gp.addOutput(valueInfo(e.getKey(), v, false));
        }
        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(8).setProducerName("superclip")
                .setProducerVersion("0.1").setGraph(gp)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(Graph.ONNX_OPSET))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(Op.MICROSOFT).setVersion(Graph.MS_OPSET));
        metadata.forEach((k, val) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(val)));
        return m.build();
    }

    private List<Node> neededNodes(Graph g) {
        Set<Node> keep = new HashSet<>();
        Deque<Value> todo = new ArrayDeque<>(outputs.values());
        while (!todo.isEmpty()) {
            Value v = todo.pop();
            Node p = v.producer();
            if (p != null && keep.add(p)) {
                p.inputs().stream().filter(x -> x != null).forEach(todo::push);
            }
        }
        List<Node> ordered = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (keep.contains(n)) {
                ordered.add(n);
            }
        }
        return ordered;
    }

    private static NodeProto nodeProto(Node n) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(n.op().onnxName()).setName(n.name())
                .setDomain(n.op().domain());
        for (Value in : n.inputs()) {
            b.addInput(in == null ? "" : in.name());
        }
        for (Value out : n.outputs()) {
            b.addOutput(out.name());
        }
        n.attributes().forEach((k, v) -> b.addAttribute(attribute(k.onnxName(), v)));
        return b.build();
    }

    private static AttributeProto attribute(String name, Object v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        if (v instanceof Long l) {
            a.setType(AttributeProto.AttributeType.INT).setI(l);
        } else if (v instanceof long[] ls) {
            a.setType(AttributeProto.AttributeType.INTS);
            for (long l : ls) {
                a.addInts(l);
            }
        } else if (v instanceof Float f) {
            a.setType(AttributeProto.AttributeType.FLOAT).setF(f);
        } else if (v instanceof String s) {
            a.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
        } else {
            throw new GraphException("unsupported attribute " + name + " of type " + v.getClass().getSimpleName());
        }
        return a.build();
    }

    private static ValueInfoProto valueInfo(String name, Value v, boolean isInput) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int axis = 0; axis < v.rank(); axis++) {
            long d = v.dim(axis);
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d >= 0) {
                dim.setDimValue(d);
            } else if (isInput) {
                dim.setDimParam(v.graph().symbol(v.name(), axis));
            }
            shape.addDim(dim);
        }
        TypeProto type = TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(v.dtype().onnx().getNumber()).setShape(shape)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    /** A float tensor initializer. */
    public static TensorProto floatTensor(String name, long[] shape, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(DType.FLOAT.onnx().getNumber())
                .setRawData(ByteString.copyFrom(buf.array()));
        for (long d : shape) {
            t.addDims(d);
        }
        return t.build();
    }

    /** A spec with no embedded parameters and no metadata. */
    public static ModelSpec of(String name, List<Value> inputs, Map<String, Value> outputs) {
        return new ModelSpec(name, inputs, outputs, Map.of(), Map.of());
    }
}
