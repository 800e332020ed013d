package ai.superclip.graph;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The operator vocabulary. Each op is defined once: its ONNX name and domain, how its output types and
 * shapes follow from its inputs, and its gradient rule right beside it. Ops that stop gradients (shape
 * arithmetic, comparisons, the gradient kernels themselves) have no rule.
 */
public enum Op {
    // ------------------------------------------------------------------ arithmetic with broadcasting
    ADD("Add") {
        @Override
        void backward(Backward b) {
            b.set(0, b.sumTo(b.dy(), b.x(0)));
            b.set(1, b.sumTo(b.dy(), b.x(1)));
        }
    },
    SUB("Sub") {
        @Override
        void backward(Backward b) {
            b.set(0, b.sumTo(b.dy(), b.x(0)));
            if (b.needs(1)) {
                b.set(1, b.sumTo(b.dy().neg(), b.x(1)));
            }
        }
    },
    MUL("Mul") {
        @Override
        void backward(Backward b) {
            if (b.needs(0)) {
                b.set(0, b.sumTo(b.dy().mul(b.x(1)), b.x(0)));
            }
            if (b.needs(1)) {
                b.set(1, b.sumTo(b.dy().mul(b.x(0)), b.x(1)));
            }
        }
    },
    DIV("Div") {
        @Override
        void backward(Backward b) {
            if (b.needs(0)) {
                b.set(0, b.sumTo(b.dy().div(b.x(1)), b.x(0)));
            }
            if (b.needs(1)) { // d(a/b)/db = -y/b
                b.set(1, b.sumTo(b.dy().mul(b.y(0)).div(b.x(1)).neg(), b.x(1)));
            }
        }
    },
    /** x^e for a constant exponent e. */
    POW("Pow") {
        @Override
        void backward(Backward b) {
            if (b.needs(1)) {
                throw new GraphException("Pow: the exponent must be a constant, not a differentiated value");
            }
            double[] e = b.graph().constantData(b.x(1));
            if (e == null || e.length != 1) {
                throw new GraphException("Pow: the exponent must be a scalar constant");
            }
            Value slope = e[0] == 2 ? b.x(0).mul(2.0) : b.x(0).pow(e[0] - 1).mul(e[0]);
            b.set(0, b.sumTo(b.dy().mul(slope), b.x(0)));
        }
    },
    /** Variadic sum, used to add gradient contributions. */
    SUM("Sum") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] s = n.input(0).shape();
            for (Value v : n.inputs()) {
                s = Shape.broadcast(s, v.shape());
            }
            return one(n.input(0).dtype(), s);
        }

        @Override
        void backward(Backward b) {
            for (int i = 0; i < b.node().inputs().size(); i++) {
                b.set(i, b.sumTo(b.dy(), b.x(i)));
            }
        }
    },

    // ------------------------------------------------------------------ unary
    NEG("Neg") {
        @Override
        void backward(Backward b) {
            b.set(0, b.dy().neg());
        }
    },
    EXP("Exp") {
        @Override
        void backward(Backward b) {
            b.set(0, b.dy().mul(b.y(0)));
        }
    },
    LOG("Log") {
        @Override
        void backward(Backward b) {
            b.set(0, b.dy().div(b.x(0)));
        }
    },
    SQRT("Sqrt") {
        @Override
        void backward(Backward b) {
            b.set(0, b.dy().div(b.y(0).mul(2.0)));
        }
    },
    TANH("Tanh") {
        @Override
        void backward(Backward b) {
            b.set(0, gradNode(b, TANH_GRAD, 0).input(b.dy()).input(b.y(0)).build());
        }
    },
    SIGMOID("Sigmoid") {
        @Override
        void backward(Backward b) {
            b.set(0, gradNode(b, SIGMOID_GRAD, 0).input(b.dy()).input(b.y(0)).build());
        }
    },
    ERF("Erf") {
        @Override
        void backward(Backward b) { // 2/sqrt(pi) * exp(-x^2)
            Value slope = b.x(0).mul(b.x(0)).neg().exp().mul(2.0 / Math.sqrt(Math.PI));
            b.set(0, b.dy().mul(slope));
        }
    },
    /** GELU, exact erf form (com.microsoft). */
    GELU("Gelu", Kind.MICROSOFT) {
        @Override
        void backward(Backward b) {
            // dX = dY·(Φ(x) + x·φ(x)) in plain ops: ONNX Runtime's GeluGrad CPU kernel runs on one thread
            // (docs/performance.md has the measurement)
            Value x = b.x(0);
            Value cdf = x.mul(Math.sqrt(0.5)).erf().mul(0.5).add(0.5);
            Value pdf = x.mul(x).mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI));
            b.set(0, b.dy().mul(cdf.add(x.mul(pdf))));
        }
    },
    /** GELU, tanh approximation (com.microsoft). */
    FAST_GELU("FastGelu", Kind.MICROSOFT) {
        @Override
        void backward(Backward b) {
            b.set(0, gradNode(b, FAST_GELU_GRAD, 0).input(b.dy()).input(b.x(0)).build());
        }
    },
    /** Identity whose output carries no gradient back (torch's {@code detach}). */
    STOP_GRADIENT("Identity", Kind.STOPS_GRADIENT),
    IDENTITY("Identity") {
        @Override
        void backward(Backward b) {
            b.set(0, b.dy());
        }
    },
    CAST("Cast", Attr.TO) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(dtypeOf((int) n.intAttr(Attr.TO, 1)), n.input(0).shape());
        }

        @Override
        void backward(Backward b) {
            b.set(0, b.dy().cast(b.x(0).dtype()));
        }
    },
    /** Clip(x, min, max) with optional bounds; the gradient passes where min <= x <= max (torch.clamp). */
    CLIP("Clip") {
        @Override
        void backward(Backward b) {
            Value zero = b.graph().scalar(0, b.dy().dtype());
            Value pass = null;
            if (b.x(1) != null) {
                pass = b.graph().apply(GREATER_OR_EQUAL, b.x(0), b.x(1));
            }
            if (b.x(2) != null) {
                Value upper = b.graph().apply(LESS_OR_EQUAL, b.x(0), b.x(2));
                pass = pass == null ? upper : b.graph().apply(AND, pass, upper);
            }
            b.set(0, pass == null ? b.dy() : b.graph().apply(WHERE, pass, b.dy(), zero));
        }
    },
    /** Where(condition, a, b); the condition gets no gradient. */
    WHERE("Where") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] s = Shape.broadcast(Shape.broadcast(n.input(0).shape(), n.input(1).shape()), n.input(2).shape());
            return one(n.input(1).dtype(), s);
        }

        @Override
        void backward(Backward b) {
            Value zero = b.graph().scalar(0, b.dy().dtype());
            if (b.needs(1)) {
                b.set(1, b.sumTo(b.graph().apply(WHERE, b.x(0), b.dy(), zero), b.x(1)));
            }
            if (b.needs(2)) {
                b.set(2, b.sumTo(b.graph().apply(WHERE, b.x(0), zero, b.dy()), b.x(2)));
            }
        }
    },

    // ------------------------------------------------------------------ matrix products
    /** Batched matrix product; operands of rank >= 2, batch dimensions broadcast. */
    MATMUL("MatMul") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), Shape.matmul(n.input(0).shape(), n.input(1).shape(), false, false));
        }

        @Override
        void backward(Backward b) {
            Value a = b.x(0);
            Value w = b.x(1);
            if (a.rank() < 2 || w.rank() < 2) {
                throw new GraphException("MatMul gradient needs operands of rank >= 2, got " + a + " and " + w);
            }
            if (b.needs(0)) {
                b.set(0, b.sumTo(fusedMatMul(b.dy(), w, false, true, 1f), a));
            }
            if (b.needs(1)) {
                if (w.rank() == 2 && w.dim(-1) >= 0) { // fold every batch dimension into the rows
                    long k = a.dim(-1);
                    long m = b.dy().dim(-1);
                    Value a2 = a.reshape(-1, k);
                    Value d2 = b.dy().reshape(-1, m);
                    b.set(1, b.graph().node(GEMM).attr(Attr.TRANS_A, 1L).input(a2).input(d2).build());
                } else {
                    b.set(1, b.sumTo(fusedMatMul(a, b.dy(), true, false, 1f), w));
                }
            }
        }
    },
    /** alpha * op(A) @ op(B) + beta * C on 2-D operands. */
    GEMM("Gemm", Attr.TRANS_A, Attr.TRANS_B, Attr.ALPHA, Attr.BETA) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), Shape.matmul(n.input(0).shape(), n.input(1).shape(),
                    n.intAttr(Attr.TRANS_A, 0) != 0, n.intAttr(Attr.TRANS_B, 0) != 0));
        }

        @Override
        void backward(Backward b) {
            Node n = b.node();
            boolean ta = n.intAttr(Attr.TRANS_A, 0) != 0;
            boolean tb = n.intAttr(Attr.TRANS_B, 0) != 0;
            float alpha = n.floatAttr(Attr.ALPHA, 1f);
            float beta = n.floatAttr(Attr.BETA, 1f);
            Value a = b.x(0);
            Value w = b.x(1);
            Value dy = b.dy();
            if (b.needs(0)) { // dA = dY op(B)^T, laid out like A
                b.set(0, ta ? gemm(b, w, dy, tb, true, alpha) : gemm(b, dy, w, false, !tb, alpha));
            }
            if (b.needs(1)) { // dB = op(A)^T dY, laid out like B
                b.set(1, tb ? gemm(b, dy, a, true, ta, alpha) : gemm(b, a, dy, !ta, false, alpha));
            }
            if (b.needs(2)) {
                Value dc = b.sumTo(dy, b.x(2));
                b.set(2, beta == 1f ? dc : dc.mul(beta));
            }
        }
    },

    // ------------------------------------------------------------------ reductions
    /** ReduceSum with axes as a constant input. */
    REDUCE_SUM("ReduceSum", Attr.KEEPDIMS) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), Shape.reduce(n.input(0).shape(), constLongs(g, n, 1), keepDims(n)));
        }

        @Override
        void backward(Backward b) {
            b.set(0, expandBack(b, b.graph().constantLongs(b.x(1))));
        }
    },
    /** ReduceMean with axes as an attribute (opset 17). */
    REDUCE_MEAN("ReduceMean", Attr.AXES, Attr.KEEPDIMS) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return reduceByAxesAttribute(n);
        }

        @Override
        void backward(Backward b) {
            long[] axes = b.node().intsAttr(Attr.AXES);
            long count = 1;
            for (long a : axes) {
                long d = b.x(0).dim((int) a);
                count = (d < 0 || count < 0) ? Shape.UNKNOWN : count * d;
            }
            Value spread = expandBack(b, axes);
            if (count > 0) {
                b.set(0, spread.mul(1.0 / count));
            } else { // the count is known only at run time: size(x) / size(y)
                Graph g = b.graph();
                Value sizeX = g.apply(SIZE, b.x(0)).cast(spread.dtype());
                Value sizeY = g.apply(SIZE, b.y(0)).cast(spread.dtype());
                b.set(0, spread.mul(sizeY).div(sizeX));
            }
        }
    },

    // ------------------------------------------------------------------ layout
    RESHAPE("Reshape") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), Shape.reshape(n.input(0).shape(), constLongs(g, n, 1)));
        }

        @Override
        void backward(Backward b) {
            b.set(0, b.reshapeLike(b.dy(), b.x(0), b.graph().constantLongs(b.x(1))));
        }
    },
    TRANSPOSE("Transpose", Attr.PERM) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), Shape.permute(n.input(0).shape(), perm(n)));
        }

        @Override
        void backward(Backward b) {
            long[] perm = perm(b.node());
            long[] inverse = new long[perm.length];
            for (int i = 0; i < perm.length; i++) {
                inverse[(int) perm[i]] = i;
            }
            b.set(0, b.dy().transpose(inverse));
        }
    },
    SQUEEZE("Squeeze") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), Shape.squeeze(n.input(0).shape(), constLongs(g, n, 1)));
        }

        @Override
        void backward(Backward b) {
            b.set(0, b.graph().apply(UNSQUEEZE, b.dy(), b.x(1)));
        }
    },
    UNSQUEEZE("Unsqueeze") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), Shape.unsqueeze(n.input(0).shape(), constLongs(g, n, 1)));
        }

        @Override
        void backward(Backward b) {
            b.set(0, b.graph().apply(SQUEEZE, b.dy(), b.x(1)));
        }
    },
    CONCAT("Concat", Attr.AXIS) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            List<long[]> shapes = n.inputs().stream().map(Value::shape).toList();
            return one(n.input(0).dtype(), Shape.concat(shapes, (int) n.intAttr(Attr.AXIS, 0)));
        }

        @Override
        void backward(Backward b) {
            int k = b.node().inputs().size();
            int axis = Shape.axis((int) b.node().intAttr(Attr.AXIS, 0), b.dy().rank());
            long[] sizes = new long[k];
            TypedShape[] outs = new TypedShape[k];
            for (int i = 0; i < k; i++) {
                sizes[i] = b.x(i).dim(axis);
                if (sizes[i] < 0) {
                    throw new GraphException("Concat gradient along an unknown dimension");
                }
                outs[i] = TypedShape.of(b.x(i));
            }
            List<Value> parts = b.graph().node(SPLIT).attr(Attr.AXIS, (long) axis).input(b.dy()).input(b.graph().longs(sizes))
                    .outputs(outs).buildAll();
            for (int i = 0; i < k; i++) {
                b.set(i, parts.get(i));
            }
        }
    },
    /** Split with the sizes as a constant input. */
    SPLIT("Split", Attr.AXIS) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] s = n.input(0).shape();
            int axis = Shape.axis((int) n.intAttr(Attr.AXIS, 0), s.length);
            List<TypedShape> outs = new ArrayList<>();
            for (long size : constLongs(g, n, 1)) {
                long[] o = s.clone();
                o[axis] = size;
                outs.add(new TypedShape(n.input(0).dtype(), o));
            }
            return outs;
        }

        @Override
        void backward(Backward b) {
            int k = b.node().outputs().size();
            Graph.NodeBuilder concat = b.graph().node(CONCAT).attr(Attr.AXIS, b.node().intAttr(Attr.AXIS, 0));
            for (int i = 0; i < k; i++) {
                concat.input(b.dy(i) != null ? b.dy(i) : b.zerosLike(b.y(i)));
            }
            b.set(0, concat.outputs(TypedShape.of(b.x(0))).build());
        }
    },
    /** Slice(data, starts, ends, axes?, steps?) with constant index inputs. */
    SLICE("Slice") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] axes = n.input(3) != null ? constLongs(g, n, 3) : null;
            long[] steps = n.input(4) != null ? constLongs(g, n, 4) : null;
            return one(n.input(0).dtype(), Shape.slice(n.input(0).shape(), constLongs(g, n, 1), constLongs(g, n, 2),
                    axes, steps));
        }

        @Override
        void backward(Backward b) {
            Graph.NodeBuilder grad = gradNode(b, SLICE_GRAD, 0).input(b.dy()).input(b.runtimeShape(b.x(0)))
                    .input(b.x(1)).input(b.x(2));
            if (b.x(3) != null) {
                grad.input(b.x(3));
            }
            if (b.x(4) != null) {
                grad.input(b.x(4));
            }
            b.set(0, grad.build());
        }
    },
    EXPAND("Expand") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] target = g.constantLongs(n.input(1));
            return one(n.input(0).dtype(), target != null ? Shape.broadcast(n.input(0).shape(), target)
                    : Shape.unknown((int) Math.max(n.input(1).dim(0), n.input(0).rank())));
        }

        @Override
        void backward(Backward b) {
            b.set(0, b.sumTo(b.dy(), b.x(0)));
        }
    },

    // ------------------------------------------------------------------ indexing
    /**
     * Gather(data, indices) along an axis; the indices get no gradient. Along axis 0 (embedding tables) the rows of
     * dY are added into zeros at their indices with ScatterND, which ONNX Runtime runs several times faster than its
     * GatherGrad kernel (49,408 × 256 table, 64 × 77 ids: 5.7 against 59.6 ms); other axes use GatherGrad.
     */
    GATHER("Gather", Attr.AXIS) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), Shape.gather(n.input(0).shape(), n.input(1).shape(),
                    (int) n.intAttr(Attr.AXIS, 0)));
        }

        @Override
        void backward(Backward b) {
            long axis = b.node().intAttr(Attr.AXIS, 0);
            if (axis == 0 && b.x(1).rank() > 0) {
                b.set(0, gradNode(b, SCATTER_ND, 0).attr(Attr.REDUCTION, "add").input(b.zerosLike(b.x(0)))
                        .input(b.x(1).unsqueeze(-1)).input(b.dy()).build());
                return;
            }
            b.set(0, gradNode(b, GATHER_GRAD, 0).attr(Attr.AXIS, axis)
                    .input(b.runtimeShape(b.x(0))).input(b.x(1)).input(b.dy()).build());
        }
    },
    /** GatherElements(data, indices) along an axis; the indices get no gradient. */
    GATHER_ELEMENTS("GatherElements", Attr.AXIS) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), n.input(1).shape());
        }

        @Override
        void backward(Backward b) {
            b.set(0, gradNode(b, GATHER_ELEMENTS_GRAD, 0).attr(Attr.AXIS, b.node().intAttr(Attr.AXIS, 0))
                    .input(b.dy()).input(b.runtimeShape(b.x(0))).input(b.x(1)).build());
        }
    },

    // ------------------------------------------------------------------ normalisation and losses
    SOFTMAX("Softmax", Attr.AXIS) {
        @Override
        void backward(Backward b) {
            // dX = Y·(dY − Σ_axis dY·Y) in plain ops: ONNX Runtime's SoftmaxGrad_13 CPU kernel runs on one thread
            // (docs/performance.md)
            long axis = b.node().intAttr(Attr.AXIS, -1);
            b.set(0, b.y(0).mul(b.dy().sub(b.dy().mul(b.y(0)).sum(true, axis))));
        }
    },
    LOG_SOFTMAX("LogSoftmax", Attr.AXIS) {
        @Override
        void backward(Backward b) {
            // dX = dY − exp(Y)·Σ_axis dY in plain ops: ONNX Runtime's LogSoftmaxGrad_13 CPU kernel runs on one
            // thread (docs/performance.md)
            long axis = b.node().intAttr(Attr.AXIS, -1);
            b.set(0, b.dy().sub(b.y(0).exp().mul(b.dy().sum(true, axis))));
        }
    },
    /** LayerNormalization-17 declaring all three outputs (Y, Mean, InvStdDev), as its gradient needs. */
    LAYER_NORM("LayerNormalization", Attr.AXIS, Attr.EPSILON) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] s = n.input(0).shape();
            int axis = Shape.axis((int) n.intAttr(Attr.AXIS, -1), s.length);
            long[] stats = s.clone();
            for (int i = axis; i < s.length; i++) {
                stats[i] = 1;
            }
            return List.of(new TypedShape(n.input(0).dtype(), s), new TypedShape(DType.FLOAT, stats),
                    new TypedShape(DType.FLOAT, stats));
        }

        @Override
        void backward(Backward b) {
            // In plain ops, from the saved Mean and InvStdDev: ONNX Runtime's LayerNormalizationGrad CPU kernel is
            // several times slower on CPU (docs/performance.md).
            Value x = b.x(0);
            int rank = x.rank();
            int axis = Shape.axis((int) b.node().intAttr(Attr.AXIS, -1), rank);
            long[] normalized = java.util.stream.LongStream.range(axis, rank).toArray();
            Value dy = b.dy();
            Value xHat = x.sub(b.y(1)).mul(b.y(2));
            if (b.needs(1)) {
                b.set(1, b.sumTo(dy.mul(xHat), b.x(1)));
            }
            if (b.x(2) != null && b.needs(2)) {
                b.set(2, b.sumTo(dy, b.x(2)));
            }
            if (b.needs(0)) {
                Value g = dy.mul(b.x(1));
                Value m1 = g.mean(true, normalized);
                Value m2 = g.mul(xHat).mean(true, normalized);
                b.set(0, g.sub(m1).sub(xHat.mul(m2)).mul(b.y(2)));
            }
        }
    },
    /**
     * SoftmaxCrossEntropyLoss-13 with class indices; outputs the loss and the log-probabilities. Set
     * {@code ignore_index} explicitly: ONNX Runtime's CPU default silently ignores label -1.
     */
    SOFTMAX_CROSS_ENTROPY("SoftmaxCrossEntropyLoss", Attr.REDUCTION, Attr.IGNORE_INDEX) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] scores = n.input(0).shape();
            String reduction = n.stringAttr(Attr.REDUCTION, "mean");
            long[] loss = reduction.equals("none") ? n.input(1).shape() : new long[0];
            return List.of(new TypedShape(n.input(0).dtype(), loss), new TypedShape(n.input(0).dtype(), scores));
        }

        @Override
        void backward(Backward b) {
            Graph.NodeBuilder g = gradNode(b, SOFTMAX_CROSS_ENTROPY_GRAD, 0).attrs(b.node().attributes())
                    .input(b.dy()).input(b.y(1)).input(b.x(1));
            if (b.x(2) != null) {
                g.input(b.x(2));
            }
            b.set(0, g.build());
        }
    },

    /**
     * ONNX Runtime's fused multi-head self-attention (com.microsoft Attention, inference only): input [B, T, D],
     * packed weights [D, 3D] and bias [3D] for Q, K and V, attribute {@code num_heads}, {@code unidirectional} = 1
     * for a causal mask; outputs the attention context [B, T, D] (before the output projection).
     */
    ATTENTION("Attention", Kind.MICROSOFT_KERNEL, Attr.NUM_HEADS, Attr.UNIDIRECTIONAL) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), n.input(0).shape());
        }
    },

    // ------------------------------------------------------------------ no gradient: shapes, indices, comparisons
    SHAPE("Shape", Kind.STOPS_GRADIENT) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(DType.INT64, new long[] {n.input(0).rank()});
        }
    },
    SIZE("Size", Kind.STOPS_GRADIENT) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(DType.INT64, new long[0]);
        }
    },
    IS_NAN("IsNaN", Kind.STOPS_GRADIENT) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(DType.BOOL, n.input(0).shape());
        }
    },
    NOT("Not", Kind.STOPS_GRADIENT),
    /** ReduceMin with axes as an attribute (opset 17). */
    REDUCE_MIN("ReduceMin", Kind.STOPS_GRADIENT, Attr.AXES, Attr.KEEPDIMS) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return reduceByAxesAttribute(n);
        }
    },
    CONSTANT_OF_SHAPE("ConstantOfShape", Kind.STOPS_GRADIENT),
    /** ScatterND(data, indices, updates) with a {@code reduction}; emitted by Gather's gradient rule. */
    SCATTER_ND("ScatterND", Kind.STOPS_GRADIENT, Attr.REDUCTION) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), n.input(0).shape());
        }
    },
    RANGE("Range", Kind.STOPS_GRADIENT) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), new long[] {Shape.UNKNOWN});
        }
    },
    ARG_MAX("ArgMax", Kind.STOPS_GRADIENT, Attr.AXIS, Attr.KEEPDIMS) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(DType.INT64, Shape.reduce(n.input(0).shape(), new long[] {n.intAttr(Attr.AXIS, 0)}, keepDims(n)));
        }
    },
    EQUAL("Equal", Kind.STOPS_GRADIENT) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return comparison(n);
        }
    },
    LESS_OR_EQUAL("LessOrEqual", Kind.STOPS_GRADIENT) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return comparison(n);
        }
    },
    GREATER_OR_EQUAL("GreaterOrEqual", Kind.STOPS_GRADIENT) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return comparison(n);
        }
    },
    AND("And", Kind.STOPS_GRADIENT) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return comparison(n);
        }
    },

    /**
     * alpha * op(A) @ op(B), batched like MatMul, op transposing the last two axes when asked (com.microsoft
     * FusedMatMul). Attention's scores use it (Q K^T / sqrt(d) in one kernel, with no transposed copy of K) and the
     * MatMul rule emits it.
     */
    FUSED_MATMUL("FusedMatMul", Kind.MICROSOFT, Attr.TRANS_A, Attr.TRANS_B, Attr.ALPHA) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), Shape.matmul(n.input(0).shape(), n.input(1).shape(),
                    n.intAttr(Attr.TRANS_A, 0) != 0, n.intAttr(Attr.TRANS_B, 0) != 0));
        }

        @Override
        void backward(Backward b) {
            boolean ta = b.node().intAttr(Attr.TRANS_A, 0) != 0;
            boolean tb = b.node().intAttr(Attr.TRANS_B, 0) != 0;
            float alpha = b.node().floatAttr(Attr.ALPHA, 1f);
            Value a = b.x(0);
            Value w = b.x(1);
            Value dy = b.dy();
            if (b.needs(0)) { // dA = alpha dY op(B)^T, laid out like A
                b.set(0, b.sumTo(ta ? fusedMatMul(w, dy, tb, true, alpha) : fusedMatMul(dy, w, false, !tb, alpha), a));
            }
            if (b.needs(1)) { // dB = alpha op(A)^T dY, laid out like B
                b.set(1, b.sumTo(tb ? fusedMatMul(dy, a, true, ta, alpha) : fusedMatMul(a, dy, !ta, false, alpha), w));
            }
        }
    },

    // ------------------------------------------------------------------ gradient kernels (com.microsoft), emitted by rules
    TANH_GRAD("TanhGrad", Kind.MICROSOFT_KERNEL),
    SIGMOID_GRAD("SigmoidGrad", Kind.MICROSOFT_KERNEL),
    FAST_GELU_GRAD("FastGeluGrad", Kind.MICROSOFT_KERNEL),
    GATHER_GRAD("GatherGrad", Kind.MICROSOFT_KERNEL, Attr.AXIS),
    GATHER_ELEMENTS_GRAD("GatherElementsGrad", Kind.MICROSOFT_KERNEL, Attr.AXIS),
    SLICE_GRAD("SliceGrad", Kind.MICROSOFT_KERNEL),
    SOFTMAX_CROSS_ENTROPY_GRAD("SoftmaxCrossEntropyLossGrad", Kind.MICROSOFT_KERNEL, Attr.REDUCTION,
            Attr.IGNORE_INDEX),
    /** Adds (or, when the flag is set, copies) a gradient into a buffer in place: the training contract. */
    IN_PLACE_ACCUMULATOR("InPlaceAccumulatorV2", Kind.MICROSOFT_KERNEL) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(DType.BOOL, new long[] {1});
        }
    };

    /** The domain of the com.microsoft ops. */
    public static final String MICROSOFT = "com.microsoft";

    /** Where an op comes from and whether gradients flow through it. */
    private enum Kind {
        /** An ai.onnx op with a gradient rule. */
        DIFFERENTIABLE(false, true),
        /** A com.microsoft op with a gradient rule. */
        MICROSOFT(true, true),
        /** An ai.onnx op that stops gradients: shape arithmetic, indices, comparisons. */
        STOPS_GRADIENT(false, false),
        /** A com.microsoft kernel with no rule of its own: gradient kernels, inference-only fusions. */
        MICROSOFT_KERNEL(true, false);

        private final boolean microsoft;
        private final boolean differentiable;

        Kind(boolean microsoft, boolean differentiable) {
            this.microsoft = microsoft;
            this.differentiable = differentiable;
        }
    }

    private final String onnxName;
    private final Kind kind;
    private final Set<Attr> attributes;

    Op(String onnxName, Attr... attributes) {
        this(onnxName, Kind.DIFFERENTIABLE, attributes);
    }

    Op(String onnxName, Kind kind, Attr... attributes) {
        this.onnxName = onnxName;
        this.kind = kind;
        this.attributes = attributes.length == 0 ? Set.of() : EnumSet.copyOf(List.of(attributes));
    }

    public String onnxName() {
        return onnxName;
    }

    /** The ONNX domain: "" for ai.onnx or {@link #MICROSOFT}. */
    public String domain() {
        return kind.microsoft ? MICROSOFT : "";
    }

    /** Whether gradients flow through this op (otherwise it stops them). */
    public boolean isDifferentiable() {
        return kind.differentiable;
    }

    /** Whether nodes of this op may carry {@code attr}. */
    public boolean accepts(Attr attr) {
        return attributes.contains(attr);
    }

    /** Infers output types and shapes. The default suits element-wise ops: broadcast of the inputs. */
    List<TypedShape> infer(Node n, Graph g) {
        if (this == CONSTANT_OF_SHAPE || kind == Kind.MICROSOFT_KERNEL) {
            throw new GraphException(onnxName + ": output shapes must be given explicitly");
        }
        long[] s = n.input(0).shape();
        for (Value v : n.inputs()) {
            if (v != null && v.dtype().isFloatingPoint()) {
                s = Shape.broadcast(s, v.shape());
            }
        }
        return one(n.input(0).dtype(), s);
    }

    /** Emits the gradient nodes of one application of this op. */
    void backward(Backward b) {
        throw new GraphException("no gradient rule for " + onnxName);
    }

    /** Runs this op's gradient rule (used by the autodiff engine). */
    public final void differentiate(Backward b) {
        if (!kind.differentiable) {
            throw new GraphException(onnxName + " stops gradients");
        }
        backward(b);
    }

    // ------------------------------------------------------------------ helpers shared by the rules

    private static List<TypedShape> one(DType dtype, long[] shape) {
        return List.of(new TypedShape(dtype, shape));
    }

    /** A gradient node whose single output is shaped like forward input {@code like}. */
    private static Graph.NodeBuilder gradNode(Backward b, Op op, int like) {
        return b.graph().node(op).outputs(TypedShape.of(b.x(like)));
    }

    /** alpha * op(a) @ op(w) as one FusedMatMul node. */
    static Value fusedMatMul(Value a, Value w, boolean transA, boolean transB, float alpha) {
        Graph.NodeBuilder n = a.graph().node(FUSED_MATMUL).attr(Attr.TRANS_A, transA ? 1L : 0L)
                .attr(Attr.TRANS_B, transB ? 1L : 0L);
        if (alpha != 1f) {
            n.attr(Attr.ALPHA, alpha);
        }
        return n.input(a).input(w).build();
    }

    private static Value gemm(Backward b, Value a, Value w, boolean transA, boolean transB, float alpha) {
        Graph.NodeBuilder g = b.graph().node(GEMM).attr(Attr.TRANS_A, transA ? 1L : 0L).attr(Attr.TRANS_B, transB ? 1L : 0L);
        if (alpha != 1f) {
            g.attr(Attr.ALPHA, alpha);
        }
        return g.input(a).input(w).build();
    }

    /** The gradient of a reduction: re-insert reduced axes if dropped, then expand to the input's shape. */
    private static Value expandBack(Backward b, long[] axes) {
        Value dy = b.dy();
        if (!keepDims(b.node())) {
            dy = dy.unsqueeze(axes);
        }
        return b.graph().node(EXPAND).input(dy).input(b.runtimeShape(b.x(0))).outputs(TypedShape.of(b.x(0))).build();
    }

    private static long[] constLongs(Graph g, Node n, int input) {
        long[] v = g.constantLongs(n.input(input));
        if (v == null) {
            throw new GraphException(n.op().onnxName() + ": input " + input + " must be a constant");
        }
        return v;
    }

    private static long[] perm(Node n) {
        long[] perm = n.intsAttr(Attr.PERM);
        if (perm == null) {
            int r = n.input(0).rank();
            perm = new long[r];
            for (int i = 0; i < r; i++) {
                perm[i] = r - 1 - i;
            }
        }
        return perm;
    }

    private static boolean keepDims(Node n) {
        return n.intAttr(Attr.KEEPDIMS, 1) != 0;
    }

    /** A reduction whose axes are an attribute (ReduceMean, ReduceMin at opset 17). */
    private static List<TypedShape> reduceByAxesAttribute(Node n) {
        return one(n.input(0).dtype(), Shape.reduce(n.input(0).shape(), n.intsAttr(Attr.AXES), keepDims(n)));
    }

    /** An element-wise comparison or logical op: booleans of the inputs' broadcast shape. */
    private static List<TypedShape> comparison(Node n) {
        return one(DType.BOOL, Shape.broadcast(n.input(0).shape(), n.input(1).shape()));
    }

    private static DType dtypeOf(int onnxCode) {
        for (DType d : DType.values()) {
            if (d.onnx().getNumber() == onnxCode) {
                return d;
            }
        }
        throw new GraphException("unsupported ONNX data type " + onnxCode);
    }
}
