package ai.superclip.gradcheck;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.autodiff.Autodiff;
import ai.superclip.graph.Attr;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.ModelSpec;
import ai.superclip.graph.Op;
import ai.superclip.graph.Shape;
import ai.superclip.graph.Value;
import ai.superclip.nn.Functions;
import ai.superclip.nn.Layers;
import ai.superclip.nn.Transformer;
import ai.superclip.nn.Activation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Per-op gradient checks: for each op with a gradient rule, the backward graph run by ONNX Runtime is compared
 * with central finite differences (fourth order) of the forward graph, also run by ONNX Runtime, along random
 * directions. The loss is sum(w * op(x)) with fixed random w. Broadcasting cases and run-time (batch)
 * dimensions are included. Prints the worst relative error per op.
 */
class OpGradientTest {
    private static final double TOLERANCE = 1e-3;
    /** Finite-difference step along a unit direction. */
    private static final double STEP = 0.05;
    private static final Map<String, Double> WORST = new TreeMap<>();

    /** How one input is filled. */
    enum Fill { NORMAL, POSITIVE, INDEX }

    /** One input: declared shape (may hold -1), actual shape, how to fill it; INDEX inputs get values in [0, bound). */
    record In(long[] declared, long[] actual, Fill fill, int bound) {
        static In of(long... shape) {
            return new In(shape, shape, Fill.NORMAL, 0);
        }

        static In positive(long... shape) {
            return new In(shape, shape, Fill.POSITIVE, 0);
        }

        static In indices(int bound, long... shape) {
            return new In(shape, shape, Fill.INDEX, bound);
        }

        /** First dimension unknown when the graph is built, {@code batch} at run time. */
        static In batched(long batch, long... rest) {
            long[] declared = new long[rest.length + 1];
            long[] actual = new long[rest.length + 1];
            declared[0] = Shape.UNKNOWN;
            actual[0] = batch;
            System.arraycopy(rest, 0, declared, 1, rest.length);
            System.arraycopy(rest, 0, actual, 1, rest.length);
            return new In(declared, actual, Fill.NORMAL, 0);
        }
    }

    record Case(String op, String label, List<In> inputs, Function<List<Value>, Value> body) {
    }

    static Case c(String op, String label, Function<List<Value>, Value> body, In... inputs) {
        return new Case(op, label, List.of(inputs), body);
    }

    static Stream<Case> cases() {
        return Stream.of(
                c("MatMul", "2-D", x -> x.get(0).matmul(x.get(1)), In.of(4, 5), In.of(5, 3)),
                c("MatMul", "N-D x 2-D", x -> x.get(0).matmul(x.get(1)), In.of(2, 3, 4, 5), In.of(5, 6)),
                c("MatMul", "batched, broadcast batch", x -> x.get(0).matmul(x.get(1)), In.of(2, 1, 4, 5), In.of(3, 5, 2)),
                c("MatMul", "run-time batch", x -> x.get(0).matmul(x.get(1)), In.batched(3, 4, 5), In.of(5, 2)),
                c("MatMul", "a @ b^T, both run-time sized", x -> x.get(0).matmul(x.get(1).transpose(1, 0)),
                        In.batched(3, 4), In.batched(3, 4)),
                c("FusedMatMul", "a @ b^T scaled, batched", x -> x.get(0).matmulTransposed(x.get(1), 0.5),
                        In.of(2, 3, 4, 5), In.of(2, 3, 6, 5)),
                c("FusedMatMul", "a^T @ b, broadcast batch", x -> fusedMatMul(x.get(0), x.get(1), true, false),
                        In.of(2, 1, 5, 4), In.of(3, 5, 2)),
                c("FusedMatMul", "a^T @ b^T", x -> fusedMatMul(x.get(0), x.get(1), true, true), In.of(5, 4),
                        In.of(3, 5)),
                c("Gemm", "transB + bias", x -> gemm(x, 0, 1, 1f, 1f), In.of(4, 5), In.of(3, 5), In.of(3)),
                c("Gemm", "transA, alpha, beta, matrix C", x -> gemm(x, 1, 0, 0.5f, 2f), In.of(5, 4), In.of(5, 3), In.of(4, 3)),
                c("Gemm", "transA + transB, row C", x -> gemm(x, 1, 1, 1f, 1f), In.of(5, 4), In.of(3, 5), In.of(1, 3)),
                c("Add", "broadcast [2,3,4]+[4]", x -> x.get(0).add(x.get(1)), In.of(2, 3, 4), In.of(4)),
                c("Add", "broadcast [2,1,4]+[3,1]", x -> x.get(0).add(x.get(1)), In.of(2, 1, 4), In.of(3, 1)),
                c("Add", "same value twice", x -> x.get(0).add(x.get(0)), In.of(3, 4)),
                c("Sub", "broadcast", x -> x.get(0).sub(x.get(1)), In.of(2, 3, 4), In.of(3, 1)),
                c("Mul", "broadcast", x -> x.get(0).mul(x.get(1)), In.of(2, 3, 4), In.of(1, 4)),
                c("Mul", "x * x", x -> x.get(0).mul(x.get(0)), In.of(3, 4)),
                c("Div", "broadcast", x -> x.get(0).div(x.get(1)), In.of(2, 3, 4), In.positive(3, 1)),
                c("Neg", "", x -> x.get(0).neg(), In.of(3, 4)),
                c("Exp", "", x -> x.get(0).exp(), In.of(3, 4)),
                c("Log", "", x -> x.get(0).log(), In.positive(3, 4)),
                c("Sqrt", "", x -> x.get(0).sqrt(), In.positive(3, 4)),
                c("Pow", "exponent 3", x -> x.get(0).pow(3), In.of(3, 4)),
                c("Pow", "exponent 0.5", x -> x.get(0).pow(0.5), In.positive(3, 4)),
                c("Tanh", "", x -> x.get(0).tanh(), In.of(3, 4)),
                c("Sigmoid", "", x -> x.get(0).sigmoid(), In.of(3, 4)),
                c("Erf", "", x -> x.get(0).erf(), In.of(3, 4)),
                c("ReduceSum", "axis 1, keepdims 0", x -> x.get(0).sum(false, 1), In.of(2, 3, 4)),
                c("ReduceSum", "axes 0,2, keepdims 1", x -> x.get(0).sum(true, 0, 2), In.of(2, 3, 4)),
                c("ReduceMean", "axes 0,2", x -> x.get(0).mean(false, 0, 2), In.of(2, 3, 4)),
                c("ReduceMean", "over run-time batch", x -> x.get(0).mean(false, 0), In.batched(5, 3)),
                c("Reshape", "", x -> x.get(0).reshape(4, -1), In.of(2, 3, 4)),
                c("Reshape", "run-time batch", x -> x.get(0).reshape(-1, 4), In.batched(3, 2, 4)),
                c("Transpose", "", x -> x.get(0).transpose(2, 0, 1), In.of(2, 3, 4)),
                c("Squeeze", "", x -> x.get(0).squeeze(1), In.of(2, 1, 4)),
                c("Unsqueeze", "", x -> x.get(0).unsqueeze(0, 3), In.of(2, 3)),
                c("Concat", "three inputs, axis 1", x -> concat(x, 1), In.of(2, 1, 3), In.of(2, 2, 3), In.of(2, 4, 3)),
                c("Slice", "steps 2, negative start", x -> slice(x.get(0)), In.of(4, 7)),
                c("Split", "one part unused", x -> split(x.get(0)), In.of(3, 6)),
                c("Expand", "[3,1] to [2,3,4]", x -> expand(x.get(0)), In.of(3, 1)),
                c("Gather", "embedding lookup, repeated ids", x -> x.get(0).gather(x.get(1), 0), In.of(7, 4), In.indices(7, 2, 5)),
                c("Gather", "axis 1", x -> x.get(0).gather(x.get(1), 1), In.of(3, 6), In.indices(6, 4)),
                c("GatherElements", "axis 1", x -> gatherElements(x.get(0), x.get(1)), In.of(3, 5), In.indices(5, 3, 2)),
                c("Softmax", "last axis", x -> x.get(0).softmax(-1), In.of(3, 5)),
                c("Softmax", "axis 1 of 3", x -> x.get(0).softmax(1), In.of(2, 4, 3)),
                c("LogSoftmax", "", x -> x.get(0).logSoftmax(-1), In.of(3, 5)),
                c("LayerNormalization", "", x -> layerNorm(x), In.of(2, 3, 8), In.of(8), In.of(8)),
                c("Gelu", "erf form", x -> Functions.gelu(x.get(0)), In.of(3, 4)),
                c("Gelu", "tanh form (FastGelu)", x -> Functions.geluTanh(x.get(0)), In.of(3, 4)),
                c("QuickGELU", "", x -> Functions.quickGelu(x.get(0)), In.of(3, 4)),
                c("Where", "constant mask", x -> where(x.get(0), x.get(1)), In.of(3, 4), In.of(4)),
                c("Cast", "float -> double -> float", x -> x.get(0).cast(DType.DOUBLE).cast(DType.FLOAT), In.of(3, 4)),
                c("Identity", "", x -> x.get(0).graph().apply(Op.IDENTITY, x.get(0)), In.of(3, 4)),
                c("Clip", "clamp max 0.3", x -> clampMax(x.get(0), 0.3), In.of(3, 4)),
                c("L2 normalise", "rows", x -> Functions.l2Normalize(x.get(0)), In.of(3, 5)),
                c("Soft-target CE", "run-time batch", x -> Functions.softTargetCrossEntropy(x.get(0), x.get(1).softmax(-1)),
                        In.batched(4, 6), In.batched(4, 6)),
                c("Class-index CE", "fused kernel", x -> Functions.crossEntropy(x.get(0), x.get(1)), In.of(4, 5), In.indices(5, 4)),
                c("Sum", "three inputs, broadcast", x -> x.get(0).graph().apply(Op.SUM, x.get(0), x.get(1), x.get(2)),
                        In.of(2, 3), In.of(3), In.of(2, 1)),
                c("Linear", "[?,T,D] via Gemm", x -> Layers.affine(x.get(0), x.get(1), x.get(2)), In.batched(2, 3, 4), In.of(5, 4), In.of(5)),
                c("Attention block", "causal, 2 heads", x -> attentionBlock(x.get(0)), In.batched(2, 4, 8)));
    }

    @TestFactory
    Stream<DynamicTest> gradientsMatchFiniteDifferences() {
        return cases().map(k -> DynamicTest.dynamicTest(k.op() + (k.label().isEmpty() ? "" : " (" + k.label() + ")"), () -> check(k)));
    }

    @AfterAll
    static void report() {
        System.out.println("Worst relative gradient error per op (float32, ORT backward vs finite differences):");
        WORST.forEach((op, err) -> System.out.printf("  %-20s %.2e%n", op, err));
    }

    private static void check(Case k) throws Exception {
        Random random = new Random(k.op().hashCode() * 31L + k.label().hashCode());
        Graph g = new Graph();
        List<Value> inputs = new ArrayList<>();
        Map<String, OnnxRunner.Feed> feeds = new LinkedHashMap<>();
        List<Value> differentiable = new ArrayList<>();
        for (int i = 0; i < k.inputs().size(); i++) {
            In in = k.inputs().get(i);
            int n = Math.toIntExact(Shape.size(in.actual()));
            if (in.fill() == Fill.INDEX) {
                Value v = g.input("x" + i, DType.INT64, in.declared());
                long[] idx = new long[n];
                for (int j = 0; j < n; j++) {
                    idx[j] = random.nextInt(in.bound());
                }
                if (n > 1) {
                    idx[n - 1] = idx[0]; // a repeated index: contributions must accumulate
                }
                inputs.add(v);
                feeds.put(v.name(), OnnxRunner.Feed.ofLongs(in.actual(), idx));
            } else {
                Value v = g.input("x" + i, DType.FLOAT, in.declared());
                float[] data = new float[n];
                for (int j = 0; j < n; j++) {
                    double z = random.nextGaussian();
                    data[j] = (float) (in.fill() == Fill.POSITIVE ? 0.5 + Math.abs(z) : z);
                }
                inputs.add(v);
                differentiable.add(v);
                feeds.put(v.name(), OnnxRunner.Feed.of(in.actual(), data));
            }
        }
        Value y = k.body().apply(inputs);
        Value weights = g.input("w", DType.FLOAT, y.shape());
        Value loss = y.mul(weights).sum(false, allAxes(y.rank()));
        Map<Value, Value> grads = Autodiff.gradients(loss, differentiable);
        Map<String, Value> outputs = new LinkedHashMap<>();
        outputs.put("y", y);
        for (Value v : differentiable) {
            outputs.put("grad_" + v.name(), grads.get(v));
        }
        Map<String, float[]> embedded = new LinkedHashMap<>();
        g.parameters().forEach(p -> embedded.put(p.name(), p.initialValue(7)));
        ModelSpec forward = new ModelSpec("forward", inputs, Map.of("y", y), embedded, Map.of());
        List<Value> withWeights = new ArrayList<>(inputs);
        withWeights.add(weights);
        ModelSpec backward = new ModelSpec("backward", withWeights, outputs, embedded, Map.of());
        double worst = 0;
        try (OnnxRunner f = new OnnxRunner(forward.toProto()); OnnxRunner b = new OnnxRunner(backward.toProto())) {
            long[] yShape = f.shapeOf(feeds, "y");
            float[] w = new float[Math.toIntExact(Shape.size(yShape))];
            for (int j = 0; j < w.length; j++) {
                w[j] = (float) random.nextGaussian();
            }
            Map<String, OnnxRunner.Feed> all = new LinkedHashMap<>(feeds);
            all.put("w", OnnxRunner.Feed.of(yShape, w));
            Map<String, float[]> base = b.run(all, new ArrayList<>(outputs.keySet()));
            for (Value v : differentiable) {
                float[] grad = base.get("grad_" + v.name());
                float[] x0 = feeds.get(v.name()).floats();
                for (int trial = 0; trial < 3; trial++) {
                    double[] dir = new double[x0.length];
                    double norm = 0;
                    for (int j = 0; j < dir.length; j++) {
                        dir[j] = random.nextGaussian();
                        norm += dir[j] * dir[j];
                    }
                    double analytic = 0;
                    for (int j = 0; j < dir.length; j++) {
                        dir[j] /= Math.sqrt(norm);
                        analytic += grad[j] * dir[j];
                    }
                    double numeric = directionalDerivative(f, feeds, w, v.name(), x0, dir, STEP);
                    double err = Math.abs(analytic - numeric) / Math.max(1e-2, Math.max(Math.abs(analytic), Math.abs(numeric)));
                    worst = Math.max(worst, err);
                }
            }
        }
        WORST.merge(k.op(), worst, Math::max);
        assertTrue(worst < TOLERANCE, k.op() + " (" + k.label() + "): relative error " + worst);
    }

    /** Fourth-order central difference along {@code dir} of sum(w * y), the sum taken in double. */
    private static double directionalDerivative(OnnxRunner forward, Map<String, OnnxRunner.Feed> feeds, float[] w,
            String name, float[] x0, double[] dir, double h) throws Exception {
        double[] f = new double[4];
        double[] steps = {-2 * h, -h, h, 2 * h};
        for (int s = 0; s < 4; s++) {
            float[] x = new float[x0.length];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) (x0[j] + steps[s] * dir[j]);
            }
            Map<String, OnnxRunner.Feed> shifted = new LinkedHashMap<>(feeds);
            shifted.put(name, OnnxRunner.Feed.of(feeds.get(name).shape(), x));
            float[] y = forward.run(shifted, List.of("y")).get("y");
            for (int j = 0; j < y.length; j++) {
                f[s] += (double) w[j] * y[j];
            }
        }
        return (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h);
    }

    private static long[] allAxes(int rank) {
        long[] axes = new long[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = i;
        }
        return axes;
    }

    private static Value gemm(List<Value> x, long transA, long transB, float alpha, float beta) {
        Graph g = x.get(0).graph();
        return g.node(Op.GEMM).attr(Attr.TRANS_A, transA).attr(Attr.TRANS_B, transB).attr(Attr.ALPHA, alpha).attr(Attr.BETA, beta)
                .input(x.get(0)).input(x.get(1)).input(x.get(2)).build();
    }

    private static Value concat(List<Value> x, long axis) {
        Graph.NodeBuilder b = x.get(0).graph().node(Op.CONCAT).attr(Attr.AXIS, axis);
        x.forEach(b::input);
        return b.build();
    }

    private static Value slice(Value x) {
        Graph g = x.graph();
        return g.node(Op.SLICE).input(x).input(g.longs(1, -6)).input(g.longs(4, 7)).input(g.longs(0, 1))
                .input(g.longs(1, 2)).build();
    }

    private static Value split(Value x) {
        Graph g = x.graph();
        List<Value> parts = g.node(Op.SPLIT).attr(Attr.AXIS, 1L).input(x).input(g.longs(1, 2, 3)).buildAll();
        return parts.get(0).add(parts.get(2).sum(true, 1)); // part 1 unused
    }

    private static Value expand(Value x) {
        Graph g = x.graph();
        return g.apply(Op.EXPAND, x, g.longs(2, 3, 4));
    }

    private static Value fusedMatMul(Value a, Value b, boolean transA, boolean transB) {
        return a.graph().node(Op.FUSED_MATMUL).attr(Attr.TRANS_A, transA ? 1L : 0L).attr(Attr.TRANS_B, transB ? 1L : 0L)
                .input(a).input(b).build();
    }

    private static Value gatherElements(Value x, Value idx) {
        return x.graph().node(Op.GATHER_ELEMENTS).attr(Attr.AXIS, 1L).input(x).input(idx).build();
    }

    private static Value layerNorm(List<Value> x) {
        return x.get(0).graph().node(Op.LAYER_NORM).attr(Attr.AXIS, -1L).attr(Attr.EPSILON, 1e-5f)
                .input(x.get(0)).input(x.get(1)).input(x.get(2)).buildAll().get(0);
    }

    /** Clip(x, max) without a lower bound. */
    private static Value clampMax(Value x, double max) {
        Graph g = x.graph();
        return g.node(Op.CLIP).input(x).input(null).input(g.scalar(max, DType.FLOAT)).build();
    }

    private static Value where(Value a, Value b) {
        Graph g = a.graph();
        float[] m = {1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1};
        Value mask = g.apply(Op.GREATER_OR_EQUAL, g.constant(m, 3, 4), g.scalar(0.5, DType.FLOAT));
        return g.apply(Op.WHERE, mask, a, b);
    }

    /** A whole pre-LN block (parameters embedded as initializers): checks the gradient reaching its input. */
    private static Value attentionBlock(Value x) {
        Graph g = x.graph();
        Transformer t = new Transformer(8, 1, 2, 16, Activation.GELU, true, Transformer.Initialisation.CLIP_TEXT);
        Value mask = Transformer.causalMask(x);
        return g.inScope("block", () -> t.block(x, mask));
    }
}
