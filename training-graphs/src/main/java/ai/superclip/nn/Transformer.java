package ai.superclip.nn;

import ai.superclip.graph.Attr;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Init;
import ai.superclip.graph.Op;
import ai.superclip.graph.Value;

/**
 * A stack of pre-LN residual attention blocks (open_clip's {@code Transformer}), declared under the current
 * scope as {@code resblocks.{i}.*}:
 * x + attn(ln_1(x)), then x + mlp(ln_2(x)).
 *
 * @param width model width D
 * @param layers number of blocks
 * @param heads attention heads (D divisible by heads)
 * @param mlpWidth hidden width of the MLP
 * @param activation MLP activation
 * @param causal whether position t attends only to positions up to t
 * @param initialisation how the blocks' weights are drawn
 */
public record Transformer(int width, int layers, int heads, int mlpWidth, Activation activation, boolean causal,
        Initialisation initialisation) {

    /**
     * The two schemes of open_clip: its {@code TextTransformer.init_parameters} redraws the block weights (the
     * biases of the MLP keep nn.Linear's default), its {@code VisionTransformer} keeps PyTorch's module defaults.
     */
    public enum Initialisation {
        /**
         * {@code in_proj_weight} Normal(D^-0.5); {@code out_proj.weight} and {@code c_proj.weight}
         * Normal(D^-0.5·(2·layers)^-0.5); {@code c_fc.weight} Normal((2D)^-0.5).
         */
        CLIP_TEXT,
        /**
         * nn.MultiheadAttention's {@code in_proj_weight} xavier_uniform (±√(6/(D + 3D))); the linear weights
         * nn.Linear's uniform ±1/√fan_in.
         */
        TORCH_DEFAULT
    }

    public Transformer {
        if (width % heads != 0) {
            throw new IllegalArgumentException("width " + width + " is not divisible by heads " + heads);
        }
    }

    /** Applies the stack to x [B, T, D], each block a recomputable segment ({@link Graph#segment}). */
    public Value apply(Value x) {
        Graph g = x.graph();
        Value mask = causal && !g.isInference() ? causalMask(x) : null; // the fused kernel masks itself
        Value h = x;
        for (int i = 0; i < layers; i++) {
            final Value in = h;
            h = g.inScope("resblocks." + i, () -> g.segment(() -> block(in, mask)));
        }
        return h;
    }

    /** One pre-LN residual attention block. */
    public Value block(Value x, Value mask) {
        Value h = x.add(attention(Layers.layerNorm(x, "ln_1"), mask));
        return h.add(mlp(Layers.layerNorm(h, "ln_2")));
    }

    /** Multi-head self-attention with open_clip's packed {@code attn.in_proj_weight} [3D, D], zero biases. */
    public Value attention(Value x, Value mask) {
        Graph g = x.graph();
        return g.inScope("attn", () -> {
            long headDim = width / heads;
            boolean text = initialisation == Initialisation.CLIP_TEXT;
            Init inInit = text ? Init.normal(Math.pow(width, -0.5)) : Init.uniform(Math.sqrt(6.0 / (4.0 * width)));
            Value inW = g.parameter("in_proj_weight", inInit, 3L * width, width);
            Value inB = g.parameter("in_proj_bias", Init.zeros(), 3L * width);
            Init outInit = text ? residualProjection() : Layers.torchDefault(width);
            if (g.isInference()) { // one fused kernel: QKV projection, scaled scores, (causal) softmax, context
                Value context = g.node(Op.ATTENTION).attr(Attr.NUM_HEADS, (long) heads).attr(Attr.UNIDIRECTIONAL,
                        causal ? 1L : 0L).input(x).input(inW.transpose(1, 0)).input(inB).build();
                return Layers.linear(context, "out_proj", width, outInit, Init.zeros());
            }
            Value qkv = Layers.affine(x, inW, inB);
            var parts = g.node(Op.SPLIT).attr(Attr.AXIS, -1L).input(qkv).input(g.longs(width, width, width)).buildAll();
            Value q = heads(parts.get(0), headDim, 0, 2, 1, 3);
            Value k = heads(parts.get(1), headDim, 0, 2, 1, 3);
            Value v = heads(parts.get(2), headDim, 0, 2, 1, 3);
            Value scores = q.matmulTransposed(k, 1.0 / Math.sqrt(headDim));
            if (mask != null) {
                scores = scores.add(mask);
            }
            Value context = scores.softmax(-1).matmul(v).transpose(0, 2, 1, 3).reshape(0, 0, width);
            return Layers.linear(context, "out_proj", width, outInit, Init.zeros());
        });
    }

    /** [B, T, D] to per-head layout by {@code perm} applied to [B, T, H, hd] (B and T copied: either may be unknown). */
    private Value heads(Value x, long headDim, long... perm) {
        return x.reshape(0, 0, heads, headDim).transpose(perm);
    }

    /** The MLP: {@code mlp.c_fc}, activation, {@code mlp.c_proj}; biases nn.Linear's default. */
    public Value mlp(Value x) {
        Graph g = x.graph();
        return g.inScope("mlp", () -> {
            boolean text = initialisation == Initialisation.CLIP_TEXT;
            Init fcInit = text ? Init.normal(Math.pow(2.0 * width, -0.5)) : Layers.torchDefault(width);
            Init projInit = text ? residualProjection() : Layers.torchDefault(mlpWidth);
            Value h = activation.apply(Layers.linear(x, "c_fc", mlpWidth, fcInit, Layers.torchDefault(width)));
            return Layers.linear(h, "c_proj", width, projInit, Layers.torchDefault(mlpWidth));
        });
    }

    /** open_clip's text init of the projections back into the residual stream: Normal(D^-0.5·(2·layers)^-0.5). */
    private Init residualProjection() {
        return Init.normal(Math.pow(width, -0.5) * Math.pow(2.0 * layers, -0.5));
    }

    /**
     * Additive mask [T, T] for x [B, T, D]: 0 on and below the diagonal, -inf above; a constant when T is known, else
     * built at run time from T.
     */
    public static Value causalMask(Value x) {
        Graph g = x.graph();
        long t = x.dim(1);
        if (t >= 0) {
            return g.constant(causalMaskValues((int) t), t, t);
        }
        Value positions = Functions.arangeOfDim(x, 1);
        Value visible = g.apply(Op.LESS_OR_EQUAL, positions.unsqueeze(0), positions.unsqueeze(1)); // key <= query
        return g.apply(Op.WHERE, visible, g.scalar(0, DType.FLOAT), g.scalar(Float.NEGATIVE_INFINITY, DType.FLOAT));
    }

    /** The values of {@link #causalMask}, row-major. */
    public static float[] causalMaskValues(int t) {
        float[] m = new float[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                m[i * t + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return m;
    }
}
