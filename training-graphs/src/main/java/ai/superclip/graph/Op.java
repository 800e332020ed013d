package ai.superclip.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
    GELU("Gelu", true) {
        @Override
        void backward(Backward b) {
            // dX = dY·(Φ(x) + x·φ(x)) in plain ops: ONNX Runtime's GeluGrad CPU kernel runs on one thread
            // (80 ms per tiny step against 57 ms for these multi-threaded ops)
            Value x = b.x(0);
            Value cdf = x.mul(Math.sqrt(0.5)).erf().mul(0.5).add(0.5);
            Value pdf = x.mul(x).mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI));
            b.set(0, b.dy().mul(cdf.add(x.mul(pdf))));
        }
    },
    /** GELU, tanh approximation (com.microsoft). */
    FAST_GELU("FastGelu", true) {
        @Override
        void backward(Backward b) {
            b.set(0, gradNode(b, FAST_GELU_GRAD, 0).input(b.dy()).input(b.x(0)).build());
        }
    },
    /** Identity whose output carries no gradient back (torch's {@code detach}). */
    STOP_GRADIENT("Identity", false, false),
    IDENTITY("Identity") {
        @Override
        void backward(Backward b) {
            b.set(0, b.dy());
        }
    },
    CAST("Cast") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(dtypeOf((int) n.intAttr("to", 1)), n.input(0).shape());
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
            return one(n.input(0).dtype(), matmulShape(n.input(0).shape(), n.input(1).shape(), false, false));
        }

        @Override
        void backward(Backward b) {
            Value a = b.x(0);
            Value w = b.x(1);
            if (a.rank() < 2 || w.rank() < 2) {
                throw new GraphException("MatMul gradient needs operands of rank >= 2, got " + a + " and " + w);
            }
            if (b.needs(0)) {
                b.set(0, b.sumTo(fusedMatMul(b.dy(), w, false, true), a));
            }
            if (b.needs(1)) {
                if (w.rank() == 2 && w.dim(-1) >= 0) { // fold every batch dimension into the rows
                    long k = a.dim(-1);
                    long m = b.dy().dim(-1);
                    Value a2 = a.reshape(-1, k);
                    Value d2 = b.dy().reshape(-1, m);
                    b.set(1, b.graph().node(GEMM).attr("transA", 1L).input(a2).input(d2).build());
                } else {
                    b.set(1, b.sumTo(fusedMatMul(a, b.dy(), true, false), w));
                }
            }
        }
    },
    /** alpha * op(A) @ op(B) + beta * C on 2-D operands. */
    GEMM("Gemm") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] a = n.input(0).shape();
            long[] w = n.input(1).shape();
            boolean ta = n.intAttr("transA", 0) != 0;
            boolean tb = n.intAttr("transB", 0) != 0;
            return one(n.input(0).dtype(), matmulShape(a, w, ta, tb));
        }

        @Override
        void backward(Backward b) {
            Node n = b.node();
            boolean ta = n.intAttr("transA", 0) != 0;
            boolean tb = n.intAttr("transB", 0) != 0;
            float alpha = n.floatAttr("alpha", 1f);
            float beta = n.floatAttr("beta", 1f);
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
    REDUCE_SUM("ReduceSum") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), reducedShape(n.input(0).shape(), constLongs(g, n, 1), n.intAttr("keepdims", 1) != 0));
        }

        @Override
        void backward(Backward b) {
            b.set(0, expandBack(b, b.graph().constantLongs(b.x(1))));
        }
    },
    /** ReduceMean with axes as an attribute (opset 17). */
    REDUCE_MEAN("ReduceMean") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), reducedShape(n.input(0).shape(), n.intsAttr("axes"), n.intAttr("keepdims", 1) != 0));
        }

        @Override
        void backward(Backward b) {
            long[] axes = b.node().intsAttr("axes");
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
            return one(n.input(0).dtype(), reshapeShape(n.input(0).shape(), constLongs(g, n, 1)));
        }

        @Override
        void backward(Backward b) {
            b.set(0, b.graph().apply(RESHAPE, b.dy(), b.reshapeTarget(b.x(0))));
        }
    },
    TRANSPOSE("Transpose") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] s = n.input(0).shape();
            long[] perm = perm(n);
            long[] out = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                out[i] = s[(int) perm[i]];
            }
            return one(n.input(0).dtype(), out);
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
            long[] s = n.input(0).shape();
            List<Integer> drop = new ArrayList<>();
            for (long a : constLongs(g, n, 1)) {
                drop.add(Shape.axis((int) a, s.length));
            }
            long[] out = new long[s.length - drop.size()];
            for (int i = 0, j = 0; i < s.length; i++) {
                if (!drop.contains(i)) {
                    out[j++] = s[i];
                }
            }
            return one(n.input(0).dtype(), out);
        }

        @Override
        void backward(Backward b) {
            b.set(0, b.graph().apply(UNSQUEEZE, b.dy(), b.x(1)));
        }
    },
    UNSQUEEZE("Unsqueeze") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] s = n.input(0).shape();
            long[] axes = constLongs(g, n, 1);
            int rank = s.length + axes.length;
            boolean[] added = new boolean[rank];
            for (long a : axes) {
                added[Shape.axis((int) a, rank)] = true;
            }
            long[] out = new long[rank];
            for (int i = 0, j = 0; i < rank; i++) {
                out[i] = added[i] ? 1 : s[j++];
            }
            return one(n.input(0).dtype(), out);
        }

        @Override
        void backward(Backward b) {
            b.set(0, b.graph().apply(SQUEEZE, b.dy(), b.x(1)));
        }
    },
    CONCAT("Concat") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] s = n.input(0).shape();
            int axis = Shape.axis((int) n.intAttr("axis", 0), s.length);
            long total = 0;
            for (Value v : n.inputs()) {
                long d = v.dim(axis);
                total = (d < 0 || total < 0) ? Shape.UNKNOWN : total + d;
            }
            s[axis] = total;
            return one(n.input(0).dtype(), s);
        }

        @Override
        void backward(Backward b) {
            int k = b.node().inputs().size();
            int axis = Shape.axis((int) b.node().intAttr("axis", 0), b.dy().rank());
            long[] sizes = new long[k];
            TypedShape[] outs = new TypedShape[k];
            for (int i = 0; i < k; i++) {
                sizes[i] = b.x(i).dim(axis);
                if (sizes[i] < 0) {
                    throw new GraphException("Concat gradient along an unknown dimension");
                }
                outs[i] = TypedShape.of(b.x(i));
            }
            List<Value> parts = b.graph().node(SPLIT).attr("axis", (long) axis).input(b.dy()).input(b.graph().longs(sizes))
                    .outputs(outs).buildAll();
            for (int i = 0; i < k; i++) {
                b.set(i, parts.get(i));
            }
        }
    },
    /** Split with the sizes as a constant input. */
    SPLIT("Split") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] s = n.input(0).shape();
            int axis = Shape.axis((int) n.intAttr("axis", 0), s.length);
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
            Graph.NodeBuilder concat = b.graph().node(CONCAT).attr("axis", b.node().intAttr("axis", 0));
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
            long[] s = n.input(0).shape();
            long[] starts = constLongs(g, n, 1);
            long[] ends = constLongs(g, n, 2);
            long[] axes = n.input(3) != null ? constLongs(g, n, 3) : null;
            long[] steps = n.input(4) != null ? constLongs(g, n, 4) : null;
            for (int i = 0; i < starts.length; i++) {
                int axis = Shape.axis(axes == null ? i : (int) axes[i], s.length);
                long step = steps == null ? 1 : steps[i];
                long dim = s[axis];
                if (dim < 0) {
                    throw new GraphException("Slice along an unknown dimension");
                }
                if (step <= 0) {
                    throw new GraphException("Slice supports positive steps only");
                }
                long lo = clampIndex(starts[i], dim);
                long hi = clampIndex(ends[i], dim);
                s[axis] = Math.max(0, (hi - lo + step - 1) / step);
            }
            return one(n.input(0).dtype(), s);
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
            if (target == null) {
                long rank = n.input(1).dim(0);
                target = new long[(int) Math.max(rank, n.input(0).rank())];
                Arrays.fill(target, Shape.UNKNOWN);
                return one(n.input(0).dtype(), target);
            }
            return one(n.input(0).dtype(), Shape.broadcast(n.input(0).shape(), target));
        }

        @Override
        void backward(Backward b) {
            b.set(0, b.sumTo(b.dy(), b.x(0)));
        }
    },

    // ------------------------------------------------------------------ indexing
    /** Gather(data, indices) along an axis; the indices get no gradient. */
    GATHER("Gather") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] d = n.input(0).shape();
            long[] idx = n.input(1).shape();
            int axis = Shape.axis((int) n.intAttr("axis", 0), d.length);
            long[] out = new long[d.length - 1 + idx.length];
            int j = 0;
            for (int i = 0; i < axis; i++) {
                out[j++] = d[i];
            }
            for (long x : idx) {
                out[j++] = x;
            }
            for (int i = axis + 1; i < d.length; i++) {
                out[j++] = d[i];
            }
            return one(n.input(0).dtype(), out);
        }

        @Override
        void backward(Backward b) {
            b.set(0, gradNode(b, GATHER_GRAD, 0).attr("axis", b.node().intAttr("axis", 0))
                    .input(b.runtimeShape(b.x(0))).input(b.x(1)).input(b.dy()).build());
        }
    },
    /** GatherElements(data, indices) along an axis; the indices get no gradient. */
    GATHER_ELEMENTS("GatherElements") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), n.input(1).shape());
        }

        @Override
        void backward(Backward b) {
            b.set(0, gradNode(b, GATHER_ELEMENTS_GRAD, 0).attr("axis", b.node().intAttr("axis", 0))
                    .input(b.dy()).input(b.runtimeShape(b.x(0))).input(b.x(1)).build());
        }
    },

    // ------------------------------------------------------------------ normalisation and losses
    SOFTMAX("Softmax") {
        @Override
        void backward(Backward b) {
            // dX = Y·(dY − Σ_axis dY·Y) in plain ops: ONNX Runtime's SoftmaxGrad_13 CPU kernel runs on one thread
            // (11 ms per tiny step on the attention matrices against 4.5 ms for these multi-threaded ops)
            long axis = b.node().intAttr("axis", -1);
            b.set(0, b.y(0).mul(b.dy().sub(b.dy().mul(b.y(0)).sum(true, axis))));
        }
    },
    LOG_SOFTMAX("LogSoftmax") {
        @Override
        void backward(Backward b) {
            // dX = dY − exp(Y)·Σ_axis dY in plain ops: ONNX Runtime's LogSoftmaxGrad_13 CPU kernel runs on one
            // thread (11–15 ms on the head's [64, 49408] logits against 3 ms for these multi-threaded ops)
            long axis = b.node().intAttr("axis", -1);
            b.set(0, b.dy().sub(b.y(0).exp().mul(b.dy().sum(true, axis))));
        }
    },
    /** LayerNormalization-17 declaring all three outputs (Y, Mean, InvStdDev), as its gradient needs. */
    LAYER_NORM("LayerNormalization") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] s = n.input(0).shape();
            int axis = Shape.axis((int) n.intAttr("axis", -1), s.length);
            long[] stats = s.clone();
            for (int i = axis; i < s.length; i++) {
                stats[i] = 1;
            }
            return List.of(new TypedShape(n.input(0).dtype(), s), new TypedShape(DType.FLOAT, stats),
                    new TypedShape(DType.FLOAT, stats));
        }

        @Override
        void backward(Backward b) {
            // In plain ops, from the saved Mean and InvStdDev: ONNX Runtime's LayerNormalizationGrad CPU kernel took
            // 104–141 ms per tiny step against ~20 ms for these multi-threaded ops (docs/performance.md).
            Value x = b.x(0);
            int rank = x.rank();
            int axis = Shape.axis((int) b.node().intAttr("axis", -1), rank);
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
    SOFTMAX_CROSS_ENTROPY("SoftmaxCrossEntropyLoss") {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] scores = n.input(0).shape();
            String reduction = (String) n.attributes().getOrDefault("reduction", "mean");
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
    ATTENTION("Attention", true, false) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), n.input(0).shape());
        }
    },

    // ------------------------------------------------------------------ no gradient: shapes, indices, comparisons
    SHAPE("Shape", false) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(DType.INT64, new long[] {n.input(0).rank()});
        }
    },
    SIZE("Size", false) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(DType.INT64, new long[0]);
        }
    },
    IS_NAN("IsNaN", false) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(DType.BOOL, n.input(0).shape());
        }
    },
    NOT("Not", false),
    /** ReduceMin with axes as an attribute (opset 17). */
    REDUCE_MIN("ReduceMin", false) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return REDUCE_MEAN.infer(n, g);
        }
    },
    CONSTANT_OF_SHAPE("ConstantOfShape", false),
    RANGE("Range", false) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), new long[] {Shape.UNKNOWN});
        }
    },
    ARG_MAX("ArgMax", false) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            long[] s = n.input(0).shape();
            return one(DType.INT64, reducedShape(s, new long[] {n.intAttr("axis", 0)}, n.intAttr("keepdims", 1) != 0));
        }
    },
    EQUAL("Equal", false) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(DType.BOOL, Shape.broadcast(n.input(0).shape(), n.input(1).shape()));
        }
    },
    LESS_OR_EQUAL("LessOrEqual", false) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return EQUAL.infer(n, g);
        }
    },
    GREATER_OR_EQUAL("GreaterOrEqual", false) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return EQUAL.infer(n, g);
        }
    },
    AND("And", false) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return EQUAL.infer(n, g);
        }
    },

    // ------------------------------------------------------------------ gradient kernels (com.microsoft), emitted by rules
    FUSED_MATMUL("FusedMatMul", true, false) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(n.input(0).dtype(), matmulShape(n.input(0).shape(), n.input(1).shape(),
                    n.intAttr("transA", 0) != 0, n.intAttr("transB", 0) != 0));
        }
    },
    TANH_GRAD("TanhGrad", true, false),
    SIGMOID_GRAD("SigmoidGrad", true, false),
    FAST_GELU_GRAD("FastGeluGrad", true, false),
    GATHER_GRAD("GatherGrad", true, false),
    GATHER_ELEMENTS_GRAD("GatherElementsGrad", true, false),
    SLICE_GRAD("SliceGrad", true, false),
    SOFTMAX_CROSS_ENTROPY_GRAD("SoftmaxCrossEntropyLossGrad", true, false),
    /** Adds (or, when the flag is set, copies) a gradient into a buffer in place: the training contract. */
    IN_PLACE_ACCUMULATOR("InPlaceAccumulatorV2", true, false) {
        @Override
        List<TypedShape> infer(Node n, Graph g) {
            return one(DType.BOOL, new long[] {1});
        }
    };

    /** The domain of the com.microsoft ops. */
    public static final String MICROSOFT = "com.microsoft";

    private final String onnxName;
    private final boolean microsoft;
    private final boolean differentiable;

    Op(String onnxName) {
        this(onnxName, false, true);
    }

    Op(String onnxName, boolean microsoft) {
        this(onnxName, microsoft, true);
    }

    Op(String onnxName, boolean microsoft, boolean differentiable) {
        this.onnxName = onnxName;
        this.microsoft = microsoft;
        this.differentiable = differentiable;
    }

    public String onnxName() {
        return onnxName;
    }

    /** The ONNX domain: "" for ai.onnx or {@link #MICROSOFT}. */
    public String domain() {
        return microsoft ? MICROSOFT : "";
    }

    /** Whether gradients flow through this op (otherwise it stops them). */
    public boolean isDifferentiable() {
        return differentiable;
    }

    /** Infers output types and shapes. The default suits element-wise ops: broadcast of the inputs. */
    List<TypedShape> infer(Node n, Graph g) {
        if (this == CONSTANT_OF_SHAPE || microsoft && !differentiable) {
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
        if (!differentiable) {
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

    private static Value fusedMatMul(Value a, Value w, boolean transA, boolean transB) {
        return a.graph().node(FUSED_MATMUL).attr("transA", transA ? 1L : 0L).attr("transB", transB ? 1L : 0L)
                .input(a).input(w).build();
    }

    private static Value gemm(Backward b, Value a, Value w, boolean transA, boolean transB, float alpha) {
        Graph.NodeBuilder g = b.graph().node(GEMM).attr("transA", transA ? 1L : 0L).attr("transB", transB ? 1L : 0L);
        if (alpha != 1f) {
            g.attr("alpha", alpha);
        }
        return g.input(a).input(w).build();
    }

    /** The gradient of a reduction: re-insert reduced axes if dropped, then expand to the input's shape. */
    private static Value expandBack(Backward b, long[] axes) {
        Value dy = b.dy();
        if (b.node().intAttr("keepdims", 1) == 0) {
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
        long[] perm = n.intsAttr("perm");
        if (perm == null) {
            int r = n.input(0).rank();
            perm = new long[r];
            for (int i = 0; i < r; i++) {
                perm[i] = r - 1 - i;
            }
        }
        return perm;
    }

    private static long clampIndex(long i, long dim) {
        long v = i < 0 ? i + dim : i;
        return Math.max(0, Math.min(dim, v));
    }

    static long[] reducedShape(long[] s, long[] axes, boolean keepDims) {
        boolean[] reduced = new boolean[s.length];
        for (long a : axes) {
            reduced[Shape.axis((int) a, s.length)] = true;
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < s.length; i++) {
            if (!reduced[i]) {
                out.add(s[i]);
            } else if (keepDims) {
                out.add(1L);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    static long[] reshapeShape(long[] in, long[] target) {
        long[] out = target.clone();
        int inferred = -1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0) {
                out[i] = in[i];
            } else if (out[i] == -1) {
                if (inferred >= 0) {
                    throw new GraphException("Reshape target " + Arrays.toString(target) + " has two -1 entries");
                }
                inferred = i;
            }
        }
        if (inferred >= 0) {
            long total = Shape.size(in);
            long rest = 1;
            for (int i = 0; i < out.length; i++) {
                if (i != inferred) {
                    rest = out[i] < 0 ? Shape.UNKNOWN : rest * out[i];
                }
            }
            out[inferred] = (total < 0 || rest < 0) ? Shape.UNKNOWN : total / rest;
        } else if (Shape.isStatic(in) && Shape.isStatic(out) && Shape.size(in) != Shape.size(out)) {
            throw new GraphException("cannot reshape " + Shape.toString(in) + " to " + Shape.toString(out));
        }
        return out;
    }

    static long[] matmulShape(long[] a, long[] b, boolean transA, boolean transB) {
        if (a.length < 2 || b.length < 2) {
            throw new GraphException("matrix product needs rank >= 2, got " + Shape.toString(a) + " and " + Shape.toString(b));
        }
        long m = transA ? a[a.length - 1] : a[a.length - 2];
        long ka = transA ? a[a.length - 2] : a[a.length - 1];
        long kb = transB ? b[b.length - 1] : b[b.length - 2];
        long n = transB ? b[b.length - 2] : b[b.length - 1];
        if (ka >= 0 && kb >= 0 && ka != kb) {
            throw new GraphException("matrix product inner dimensions differ: " + Shape.toString(a) + " x " + Shape.toString(b));
        }
        long[] batch = Shape.broadcast(Arrays.copyOf(a, a.length - 2), Arrays.copyOf(b, b.length - 2));
        long[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = m;
        out[batch.length + 1] = n;
        return out;
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
