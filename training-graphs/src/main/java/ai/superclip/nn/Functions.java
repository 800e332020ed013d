package ai.superclip.nn;

import ai.superclip.graph.Attr;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Op;
import ai.superclip.graph.Value;

/** Parameter-free building blocks: activations, normalisation and losses. */
public final class Functions {
    private Functions() {
    }

    /** GELU, exact erf form. */
    public static Value gelu(Value x) {
        return x.graph().apply(Op.GELU, x);
    }

    /** GELU, tanh approximation. */
    public static Value geluTanh(Value x) {
        return x.graph().apply(Op.FAST_GELU, x);
    }

    /** QuickGELU of OpenAI's CLIP: x * sigmoid(1.702 x). */
    public static Value quickGelu(Value x) {
        return x.mul(x.mul(1.702).sigmoid());
    }

    /** Row-wise L2 normalisation over the last axis: x / max(||x||, 1e-12), as torch's F.normalize. */
    public static Value l2Normalize(Value x) {
        Graph g = x.graph();
        Value norm = x.mul(x).sum(true, -1).sqrt();
        Value safe = g.node(Op.CLIP).input(norm).input(g.scalar(1e-12, x.dtype())).build();
        return x.div(safe);
    }

    /**
     * Cross-entropy with soft targets, averaged over the batch: -mean_i sum_c y_ic log_softmax(z_i)_c.
     *
     * @param logits [B, C]
     * @param targets [B, C], rows summing to 1
     */
    public static Value softTargetCrossEntropy(Value logits, Value targets) {
        Value perSample = targets.mul(logits.logSoftmax(-1)).sum(false, -1);
        return perSample.mean(false, 0).neg();
    }

    /**
     * {@link #softTargetCrossEntropy} with the targets given sparsely: each row's classes and their weights,
     * -mean_i sum_k w_ik log_softmax(z_i)[c_ik], gathered rather than multiplied over every class. Padding
     * entries carry weight 0 (any class).
     *
     * @param logits [B, C]
     * @param classes [B, K] int64, the classes of each row's targets
     * @param weights [B, K], their weights
     */
    public static Value sparseSoftTargetCrossEntropy(Value logits, Value classes, Value weights) {
        Value logProbabilities = logits.graph().node(Op.GATHER_ELEMENTS).attr(Attr.AXIS, 1L).input(logits.logSoftmax(-1))
                .input(classes).build();
        return weights.mul(logProbabilities).sum(false, -1).mean(false, 0).neg();
    }

    /**
     * Cross-entropy with class indices, averaged over the batch (fused softmax cross-entropy kernel).
     *
     * @param logits [B, C]
     * @param labels [B] int64
     */
    public static Value crossEntropy(Value logits, Value labels) {
        return logits.graph().node(Op.SOFTMAX_CROSS_ENTROPY).attr(Attr.REDUCTION, "mean").attr(Attr.IGNORE_INDEX, -100L)
                .input(logits).input(labels).buildAll().get(0);
    }

    /** The int64 vector 0, 1, ..., n-1 where n is the run-time size of {@code x}'s first dimension. */
    public static Value arangeOfFirstDim(Value x) {
        return arangeOfDim(x, 0);
    }

    /** The int64 vector 0, 1, ..., n-1 where n is the run-time size of {@code x}'s dimension {@code axis}. */
    public static Value arangeOfDim(Value x, int axis) {
        Graph g = x.graph();
        return g.apply(Op.RANGE, g.scalar(0, DType.INT64), runtimeDim(x, axis), g.scalar(1, DType.INT64));
    }

    /** The run-time size of {@code x}'s dimension {@code axis}, an int64 scalar. */
    public static Value runtimeDim(Value x, int axis) {
        Graph g = x.graph();
        return g.apply(Op.GATHER, g.apply(Op.SHAPE, x), g.scalar(axis, DType.INT64));
    }
}
