package ai.superclip.graph;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX graph under construction: it owns the inputs, parameters, constants and nodes, hands out unique
 * names under a dotted scope, and infers every value's type and static shape as nodes are added.
 *
 * <p>Nodes are kept in the order they were added, which is a topological order.
 */
public final class Graph {
    /** The ai.onnx opset every graph imports. */
    public static final int ONNX_OPSET = 17;
    /** The com.microsoft opset every graph imports. */
    public static final int MS_OPSET = 1;

    private final List<Value> inputs = new ArrayList<>();
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, TensorProto> constants = new LinkedHashMap<>();
    private final Map<String, double[]> constantData = new HashMap<>();
    private final Map<String, Value> constantCache = new HashMap<>();
    private final Set<String> names = new HashSet<>();
    private final Deque<String> scope = new ArrayDeque<>();
    private final List<List<Node>> segments = new ArrayList<>();
    private final Map<String, String[]> symbols = new HashMap<>();
    private final boolean inference;
    private boolean inSegment;
    private int counter;

    /** A graph for training: every op it emits has a gradient rule. */
    public Graph() {
        this(false);
    }

    private Graph(boolean inference) {
        this.inference = inference;
    }

    /**
     * A graph that will only run forward: layers may emit ONNX Runtime's fused inference kernels (which have no
     * gradient), e.g. {@code com.microsoft Attention}.
     */
    public static Graph forInference() {
        return new Graph(true);
    }

    /** Whether this graph only runs forward (see {@link #forInference()}). */
    public boolean isInference() {
        return inference;
    }

    // ---------------------------------------------------------------- declarations

    /** Declares a graph input; use {@link Shape#UNKNOWN} for the batch dimension. */
    public Value input(String name, DType dtype, long... shape) {
        Value v = new Value(this, claim(name), dtype, shape, null);
        inputs.add(v);
        return v;
    }

    /**
     * Declares a graph input whose unknown dimensions have their own symbolic names in the written model: axis i is
     * {@code symbols[i]} (ignored for a known dimension). Inputs declared by {@link #input} name every unknown
     * dimension {@link ModelSpec#BATCH}, which tells ONNX Runtime they are equal: an input whose rows are not the
     * batch's (a data-parallel worker's global features, say) needs another name.
     */
    public Value input(String name, DType dtype, long[] shape, String... symbols) {
        if (symbols.length != shape.length) {
            throw new GraphException("input " + name + " has " + shape.length + " dimensions, " + symbols.length + " symbols given");
        }
        Value v = input(name, dtype, shape);
        this.symbols.put(v.name(), symbols.clone());
        return v;
    }

    /** The symbolic name of an unknown dimension {@code axis} of input {@code name} in written models. */
    String symbol(String name, int axis) {
        String[] given = symbols.get(name);
        return given == null ? ModelSpec.BATCH : given[axis];
    }

    /** Declares a float parameter named {@code scope.name}; weight decay follows {@link Parameter#decay()}. */
    public Value parameter(String name, Init init, long... shape) {
        return declare(name, init, null, shape).value();
    }

    /**
     * Declares a float parameter kept within [min, max] as open_clip keeps {@code logit_scale}, which it clamps
     * after every optimizer step. Returns the value the forward reads: the parameter clamped, with its gradient
     * passed straight to the parameter (the gradient at the clamped point, as the reference computes it). The
     * training model writes the clamped value back into the parameter before the optimizer steps (see
     * {@code TrainingArtifacts}), so every forward and every update starts from a value within bounds.
     */
    public Value boundedParameter(String name, Init init, double min, double max, long... shape) {
        Value raw = declare(name, init, new Parameter.Bounds(min, max), shape).value();
        Value clamped = node(Op.CLIP).input(raw).input(scalar(min, DType.FLOAT)).input(scalar(max, DType.FLOAT)).build();
        // exactly the clamped value (raw - raw is 0), with the gradient of raw
        return apply(Op.STOP_GRADIENT, clamped).add(raw.sub(apply(Op.STOP_GRADIENT, raw)));
    }

    private Parameter declare(String name, Init init, Parameter.Bounds bounds, long... shape) {
        String full = scoped(name, '.');
        Value v = new Value(this, claim(full), DType.FLOAT, shape, null);
        Parameter p = new Parameter(full, shape, init, true, bounds, v);
        parameters.put(full, p);
        return p;
    }

    /** A float constant tensor. */
    public Value constant(float[] values, long... shape) {
        if (Shape.size(shape) != values.length) {
            throw new GraphException("constant of shape " + Shape.toString(shape) + " given " + values.length + " values");
        }
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        double[] data = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            data[i] = values[i];
        }
        return addConstant(DType.FLOAT, shape, ByteString.copyFrom(buf.array()), data);
    }

    /** A 1-D int64 constant (shapes, axes, indices); identical ones are shared. */
    public Value longs(long... values) {
        String key = "i64" + Arrays.toString(values);
        return constantCache.computeIfAbsent(key, k -> {
            ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            buf.asLongBuffer().put(values);
            return addConstant(DType.INT64, new long[] {values.length}, ByteString.copyFrom(buf.array()),
                    Arrays.stream(values).asDoubleStream().toArray());
        });
    }

    /** A 0-d constant of the given type; identical ones are shared. */
    public Value scalar(double value, DType dtype) {
        String key = dtype + ":" + Double.doubleToLongBits(value);
        return constantCache.computeIfAbsent(key, k -> {
            ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            switch (dtype) {
                case FLOAT -> buf.putFloat((float) value);
                case DOUBLE -> buf.putDouble(value);
                case INT64 -> buf.putLong((long) value);
                case INT32 -> buf.putInt((int) value);
                case BOOL -> buf.put((byte) (value != 0 ? 1 : 0));
            }
            return addConstant(dtype, new long[0], ByteString.copyFrom(buf.array(), 0, buf.position()),
                    new double[] {value});
        });
    }

    private Value addConstant(DType dtype, long[] shape, ByteString raw, double[] data) {
        String name = claim(scoped("const", '/') + "_" + counter++);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(dtype.onnx().getNumber()).setRawData(raw);
        for (long d : shape) {
            t.addDims(d);
        }
        constants.put(name, t.build());
        Value v = new Value(this, name, dtype, shape, null);
        constantData.put(name, data);
        return v;
    }

    /** The values of a constant, or null if {@code v} is not a constant. */
    public double[] constantData(Value v) {
        double[] d = constantData.get(v.name());
        return d == null ? null : d.clone();
    }

    /** The int64 values of a constant, or null if {@code v} is not a constant. */
    public long[] constantLongs(Value v) {
        double[] d = constantData.get(v.name());
        return d == null ? null : Arrays.stream(d).mapToLong(x -> (long) x).toArray();
    }

    // ---------------------------------------------------------------- nodes

    /** Adds a single-output node. */
    public Value apply(Op op, Value... inputs) {
        NodeBuilder b = node(op);
        for (Value v : inputs) {
            b.input(v);
        }
        return b.build();
    }

    /** Starts a node with attributes or several outputs. */
    public NodeBuilder node(Op op) {
        return new NodeBuilder(op);
    }

    /** Builds one node: inputs, attributes, then outputs inferred or given. */
    public final class NodeBuilder {
        private final Op op;
        private final List<Value> in = new ArrayList<>();
        private final Map<Attr, Object> attrs = new LinkedHashMap<>();
        private List<TypedShape> explicit;

        private NodeBuilder(Op op) {
            this.op = op;
        }

        /** Appends an input; null leaves an optional input out. */
        public NodeBuilder input(Value v) {
            if (v != null && v.graph() != Graph.this) {
                throw new GraphException("value " + v.name() + " belongs to another graph");
            }
            in.add(v);
            return this;
        }

        public NodeBuilder attr(Attr attr, long value) {
            return put(attr, value);
        }

        public NodeBuilder attr(Attr attr, long[] value) {
            return put(attr, value.clone());
        }

        public NodeBuilder attr(Attr attr, float value) {
            return put(attr, value);
        }

        public NodeBuilder attr(Attr attr, String value) {
            return put(attr, value);
        }

        /** Copies every attribute of another node. */
        public NodeBuilder attrs(Map<Attr, Object> all) {
            all.forEach(this::put);
            return this;
        }

        private NodeBuilder put(Attr attr, Object value) {
            if (!op.accepts(attr)) {
                throw new GraphException(op.onnxName() + " takes no attribute " + attr.onnxName());
            }
            attr.check(op, value);
            attrs.put(attr, value);
            return this;
        }

        /** Declares the outputs' types and shapes instead of inferring them (gradient ops). */
        public NodeBuilder outputs(TypedShape... outs) {
            explicit = List.of(outs);
            return this;
        }

        /** Adds the node and returns its first output. */
        public Value build() {
            return buildAll().get(0);
        }

        /** Adds the node and returns all its outputs. */
        public List<Value> buildAll() {
            String nodeName = scoped(op.onnxName(), '/') + "_" + counter++;
            Node node = new Node(op, nodeName, new ArrayList<>(in), new LinkedHashMap<>(attrs));
            List<TypedShape> types = explicit != null ? explicit : op.infer(node, Graph.this);
            List<Value> outs = new ArrayList<>(types.size());
            for (int i = 0; i < types.size(); i++) {
                outs.add(new Value(Graph.this, claim(nodeName + (i == 0 ? "" : ":" + i)), types.get(i).dtype(),
                        types.get(i).shape(), node));
            }
            node.setOutputs(outs);
            nodes.add(node);
            return outs;
        }
    }

    // ---------------------------------------------------------------- names and scope

    /** Runs {@code body} inside a name scope. */
    public <T> T inScope(String name, java.util.function.Supplier<T> body) {
        scope.addLast(name);
        try {
            return body.get();
        } finally {
            scope.removeLast();
        }
    }

    private String scoped(String name, char separator) {
        if (scope.isEmpty()) {
            return name;
        }
        return String.join(".", scope) + separator + name;
    }

    private String claim(String name) {
        if (!names.add(name)) {
            throw new GraphException("duplicate name " + name);
        }
        return name;
    }

    // ---------------------------------------------------------------- recomputable segments

    /**
     * Runs {@code body} and marks the nodes it adds as one recomputable segment, e.g. a transformer block. With
     * gradient checkpointing the backward pass recomputes a segment's nodes from what enters it instead of keeping
     * their outputs from the forward pass (see {@code ai.superclip.autodiff.Recomputation}); without, the mark changes
     * nothing. Segments do not nest.
     */
    public <T> T segment(java.util.function.Supplier<T> body) {
        if (inSegment) {
            throw new GraphException("recomputable segments do not nest");
        }
        int from = nodes.size();
        inSegment = true;
        try {
            T result = body.get();
            segments.add(List.copyOf(nodes.subList(from, nodes.size())));
            return result;
        } finally {
            inSegment = false;
        }
    }

    /** The recomputable segments marked so far, each its nodes in order. */
    public List<List<Node>> segments() {
        return Collections.unmodifiableList(segments);
    }

    // ---------------------------------------------------------------- parameters

    /** Marks every parameter whose name starts with {@code prefix} as frozen (no gradient, not updated). */
    public int freeze(String prefix) {
        int n = 0;
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                e.setValue(e.getValue().withTrainable(false));
                n++;
            }
        }
        if (n == 0) {
            throw new GraphException("no parameter starts with '" + prefix + "'");
        }
        return n;
    }

    /** All parameters in declaration order. */
    public List<Parameter> parameters() {
        return List.copyOf(parameters.values());
    }

    public List<Value> inputs() {
        return Collections.unmodifiableList(inputs);
    }

    public List<Node> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    /** Constants referenced by name (ONNX initializers). */
    Map<String, TensorProto> constants() {
        return Collections.unmodifiableMap(constants);
    }

    /** Number of nodes added so far. */
    public int nodeCount() {
        return nodes.size();
    }
}
