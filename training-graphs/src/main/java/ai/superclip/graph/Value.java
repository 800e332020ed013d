package ai.superclip.graph;

/**
 * A typed handle to one tensor of a {@link Graph}: a graph input, a constant, a parameter or a node output.
 * Operator methods are fluent and add nodes to the owning graph.
 */
public final class Value {
    private final Graph graph;
    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final Node producer;

    Value(Graph graph, String name, DType dtype, long[] shape, Node producer) {
        this.graph = graph;
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.producer = producer;
    }

    public Graph graph() {
        return graph;
    }

    public String name() {
        return name;
    }

    public DType dtype() {
        return dtype;
    }

    /** The static shape; {@link Shape#UNKNOWN} marks run-time dimensions. */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** A dimension, negative indices counting from the end. */
    public long dim(int axis) {
        return shape[Shape.axis(axis, shape.length)];
    }

    /** The node that computes this value, or null for inputs, constants and parameters. */
    public Node producer() {
        return producer;
    }

    // Fluent operators: thin sugar over Graph.apply so model code reads like maths.

    public Value add(Value other) {
        return graph.apply(Op.ADD, this, other);
    }

    public Value sub(Value other) {
        return graph.apply(Op.SUB, this, other);
    }

    public Value mul(Value other) {
        return graph.apply(Op.MUL, this, other);
    }

    public Value div(Value other) {
        return graph.apply(Op.DIV, this, other);
    }

    public Value add(double c) {
        return add(graph.scalar(c, dtype));
    }

    public Value mul(double c) {
        return mul(graph.scalar(c, dtype));
    }

    public Value matmul(Value other) {
        return graph.apply(Op.MATMUL, this, other);
    }

    /** {@code scale} · this @ other^T (last two axes), in one kernel and without a transposed copy of {@code other}. */
    public Value matmulTransposed(Value other, double scale) {
        return Op.fusedMatMul(this, other, false, true, (float) scale);
    }

    public Value neg() {
        return graph.apply(Op.NEG, this);
    }

    public Value exp() {
        return graph.apply(Op.EXP, this);
    }

    public Value log() {
        return graph.apply(Op.LOG, this);
    }

    public Value sqrt() {
        return graph.apply(Op.SQRT, this);
    }

    public Value pow(double exponent) {
        return graph.apply(Op.POW, this, graph.scalar(exponent, dtype));
    }

    public Value tanh() {
        return graph.apply(Op.TANH, this);
    }

    public Value sigmoid() {
        return graph.apply(Op.SIGMOID, this);
    }

    public Value erf() {
        return graph.apply(Op.ERF, this);
    }

    /** Sum over {@code axes}. */
    public Value sum(boolean keepDims, long... axes) {
        return graph.node(Op.REDUCE_SUM).attr(Attr.KEEPDIMS, keepDims ? 1L : 0L).input(this).input(graph.longs(axes)).build();
    }

    /** Mean over {@code axes}. */
    public Value mean(boolean keepDims, long... axes) {
        return graph.node(Op.REDUCE_MEAN).attr(Attr.KEEPDIMS, keepDims ? 1L : 0L).attr(Attr.AXES, axes).input(this).build();
    }

    /** Reshape; entries follow ONNX (0 copies the input dimension, -1 is inferred). */
    public Value reshape(long... newShape) {
        return graph.apply(Op.RESHAPE, this, graph.longs(newShape));
    }

    public Value transpose(long... perm) {
        return graph.node(Op.TRANSPOSE).attr(Attr.PERM, perm).input(this).build();
    }

    public Value unsqueeze(long... axes) {
        return graph.apply(Op.UNSQUEEZE, this, graph.longs(axes));
    }

    public Value squeeze(long... axes) {
        return graph.apply(Op.SQUEEZE, this, graph.longs(axes));
    }

    public Value softmax(int axis) {
        return graph.node(Op.SOFTMAX).attr(Attr.AXIS, (long) axis).input(this).build();
    }

    public Value logSoftmax(int axis) {
        return graph.node(Op.LOG_SOFTMAX).attr(Attr.AXIS, (long) axis).input(this).build();
    }

    public Value cast(DType to) {
        return graph.node(Op.CAST).attr(Attr.TO, (long) to.onnx().getNumber()).input(this).build();
    }

    /** Rows of this table picked by integer {@code indices} along {@code axis}. */
    public Value gather(Value indices, int axis) {
        return graph.node(Op.GATHER).attr(Attr.AXIS, (long) axis).input(this).input(indices).build();
    }

    @Override
    public String toString() {
        return name + ":" + dtype + Shape.toString(shape);
    }
}
