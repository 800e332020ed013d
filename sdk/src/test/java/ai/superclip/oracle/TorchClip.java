package ai.superclip.oracle;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.superclip.oracle.TorchOracle.Activation;
import ai.superclip.oracle.TorchOracle.Config;
import ai.superclip.oracle.TorchOracle.LossKind;
import java.util.Set;
import java.util.function.Function;

/**
 * The CLIP / SuperCLIP model in libtorch (DJL's PyTorch engine), written from open_clip's definitions: one forward
 * pass over parameter arrays. {@link TorchOracle} differentiates it in float64 as the tests' reference; the
 * benchmark (samples/bench) trains it in float32 as the yardstick. Pre-LN residual attention blocks, Linear
 * weights stored {@code [out, in]} and applied as {@code x·Wᵀ + b}, a ViT image tower whose class token is
 * projected, a causal text tower read at each row's end-of-text token (the first maximum of the row), the
 * symmetric InfoNCE loss and, for SuperCLIP, the head's soft-target cross-entropy over the mean patch token. Built
 * from libtorch's own operators (conv2d, layer_norm, linear, embedding, gelu).
 *
 * <p>Every array an operation returns belongs to the manager of its first operand, so a pass puts its
 * activations first and hands out parameters that {@code sub} owns (or views of them): nothing outlives the pass.
 * Arithmetic with a number always goes through {@link #scalar}, never DJL's {@code add/mul/div(Number)}: those
 * free a tensor that autograd still reads (see {@link #scalar}).
 */
public final class TorchClip {
    static final double LN_EPS = 1e-5;

    /** The losses of one pass; {@code cls} is null for the CLIP loss, {@code clip} null for the classifier. */
    public record Losses(NDArray total, NDArray clip, NDArray cls) {}

    private final NDManager sub;
    private final DataType dtype;
    private final Set<String> names;
    private final Function<String, NDArray> params;

    /**
     * A pass whose arrays {@code sub} owns, computing in {@code dtype}, over the parameters {@code names} that
     * {@code params} hands out.
     */
    public TorchClip(NDManager sub, DataType dtype, Set<String> names, Function<String, NDArray> params) {
        this.sub = sub;
        this.dtype = dtype;
        this.names = names;
        this.params = params;
    }

    /**
     * The CLIP or SuperCLIP loss.
     *
     * @param images  {@code [B,3,S,S]}
     * @param ids     token ids {@code [B,L]}, int64
     * @param eotRows each row's end-of-text position in the flattened {@code [B·L]} tokens ({@link #endOfTextRows})
     * @param targets soft classification targets {@code [B,V]}; unused (may be null) for CLIP
     */
    public Losses superclip(NDArray images, NDArray ids, NDArray eotRows, NDArray targets, Config cfg) {
        NDArray tokens = visionTokens(images, cfg);
        NDArray imageFeatures = normalize(imageEmbedding(tokens));
        NDArray textFeatures = normalize(textEmbedding(ids, eotRows, cfg));

        NDArray scale = param("logit_scale").exp(); // unclamped: open_clip clamps the parameter after each step
        NDArray logits = imageFeatures.matMul(textFeatures.transpose()).mul(scale);
        NDArray clip = hardCrossEntropy(logits).add(hardCrossEntropy(logits.transpose())).div(scalar(2));
        if (cfg.loss() == LossKind.CLIP) {
            return new Losses(clip, clip, null);
        }
        NDArray headIn = tokens.get(":, 1:, :").mean(new int[] {1});
        NDArray z = linear("superclip_head.fc.", layerNorm("superclip_head.norm.", headIn));
        NDArray cls = softCrossEntropy(z, targets);
        return new Losses(clip.add(cls.mul(scalar(cfg.lambda()))), clip, cls);
    }

    /** The projected class token of the image tower's output: {@code [B, E]}, not normalised. */
    public NDArray imageEmbedding(NDArray tokens) {
        return tokens.get(":, 0, :").matMul(param("visual.proj"));
    }

    /** For each row of {@code ids} ({@code rows × length}), the flat index of its first maximum (end of text). */
    public static long[] endOfTextRows(long[] ids, int rows, int length) {
        long[] eot = new long[rows];
        for (int i = 0; i < rows; i++) {
            int argmax = 0;
            for (int j = 0; j < length; j++) {
                argmax = ids[i * length + j] > ids[i * length + argmax] ? j : argmax;
            }
            eot[i] = (long) i * length + argmax;
        }
        return eot;
    }

    NDArray param(String name) {
        return params.apply(name);
    }

    /**
     * A float64 copy of {@code values} in memory that libtorch owns. {@code NDManager.create} wraps a Java direct
     * buffer without copying it ({@code torch::from_blob}); autograd keeps its own reference to the tensor but not
     * to the buffer, which the garbage collector frees once its {@code NDArray} is unreachable or closed. So the
     * wrapping array is cloned and closed at once, and no tensor of the graph ever aliases Java memory.
     */
    public static NDArray owned(NDManager manager, double[] values, long... shape) {
        try (NDArray wrapped = manager.create(values, new Shape(shape))) {
            return wrapped.duplicate();
        }
    }

    /** A constant of this pass's type in memory that libtorch owns. */
    public NDArray constant(double[] values, long... shape) {
        return owned(sub, values, shape).toType(dtype, false);
    }

    /** Int64 indices in memory that libtorch owns. */
    public NDArray indices(long[] values, long... shape) {
        try (NDArray wrapped = sub.create(values, new Shape(shape))) {
            return wrapped.duplicate();
        }
    }

    /**
     * A 0-d constant, for every arithmetic with a number. DJL's {@code NDArray.add/sub/mul/div/minimum(Number)}
     * wrap the number as a Java-buffer tensor and close it right after the operation, while autograd saves
     * it for the backward pass (the divisor of {@code div}, the factor of {@code mul}, both sides of
     * {@code minimum}): the backward pass then read freed memory, NaN or ~1e306, whenever a garbage
     * collection ran between the forward and the backward pass. Never use those overloads here.
     */
    NDArray scalar(double value) {
        return constant(new double[] {value});
    }

    NDArray linear(String prefix, NDArray x) {
        return Linear.linear(x, param(prefix + "weight"), param(prefix + "bias")).singletonOrThrow();
    }

    NDArray layerNorm(String prefix, NDArray x) {
        long width = x.getShape().get(x.getShape().dimension() - 1);
        return LayerNorm.layerNorm(x, new Shape(width), param(prefix + "weight"), param(prefix + "bias"),
                (float) LN_EPS).singletonOrThrow();
    }

    /** Blocks {@code prefix + "resblocks.{i}."} for every i present in the parameters. */
    NDArray transformer(String prefix, NDArray x, int heads, boolean causal, Activation act) {
        String blocks = prefix + "resblocks.";
        int layers = names.stream()
                .filter(k -> k.startsWith(blocks))
                .mapToInt(k -> Integer.parseInt(k.substring(blocks.length(), k.indexOf('.', blocks.length()))) + 1)
                .max().orElse(0);
        NDArray mask = causal ? causalMask(x.getShape().get(1)) : null;
        for (int i = 0; i < layers; i++) {
            x = block(blocks + i + ".", x, heads, mask, act);
        }
        return x;
    }

    /** Pre-LN residual attention block: {@code x + attn(ln_1(x))}, then {@code + mlp(ln_2(·))}. */
    private NDArray block(String p, NDArray x, int heads, NDArray mask, Activation act) {
        x = x.add(attention(p + "attn.", layerNorm(p + "ln_1.", x), heads, mask));
        NDArray hidden = activate(act, linear(p + "mlp.c_fc.", layerNorm(p + "ln_2.", x)));
        return x.add(linear(p + "mlp.c_proj.", hidden));
    }

    private NDArray attention(String p, NDArray x, int heads, NDArray mask) {
        Shape s = x.getShape();
        long b = s.get(0), t = s.get(1), d = s.get(2);
        if (d % heads != 0) {
            throw new IllegalArgumentException("width " + d + " is not divisible by " + heads + " heads");
        }
        long hd = d / heads;
        NDArray qkv = Linear.linear(x, param(p + "in_proj_weight"), param(p + "in_proj_bias")).singletonOrThrow();
        NDList split = qkv.split(3, 2);
        NDArray q = splitHeads(split.get(0), heads, hd).div(scalar(Math.sqrt(hd)));
        NDArray k = splitHeads(split.get(1), heads, hd);
        NDArray v = splitHeads(split.get(2), heads, hd);
        NDArray scores = q.matMul(k.swapAxes(2, 3));
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray merged = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, t, d);
        return linear(p + "out_proj.", merged);
    }

    private NDArray causalMask(long t) {
        double[] m = new double[(int) (t * t)];
        for (int row = 0; row < t; row++) {
            for (int col = row + 1; col < t; col++) {
                m[(int) (row * t + col)] = Double.NEGATIVE_INFINITY;
            }
        }
        return constant(m, t, t);
    }

    /** Image tower up to {@code ln_post}: tokens {@code [B, 1 + g², W]}, class token first. */
    public NDArray visionTokens(NDArray images, Config cfg) {
        long p = cfg.patchSize();
        NDArray conv = Conv2d.conv2d(images, param("visual.conv1.weight"), null, new Shape(p, p)).singletonOrThrow();
        Shape s = conv.getShape();
        long b = s.get(0), w = s.get(1);
        NDArray patches = conv.reshape(b, w, s.get(2) * s.get(3)).transpose(0, 2, 1);
        NDArray classToken = sub.ones(new Shape(b, 1, 1), dtype).mul(param("visual.class_embedding").reshape(1, 1, w));
        NDArray x = classToken.concat(patches, 1).add(param("visual.positional_embedding"));
        x = layerNorm("visual.ln_pre.", x);
        x = transformer("visual.transformer.", x, cfg.visionHeads(), false, cfg.visionActivation());
        return layerNorm("visual.ln_post.", x);
    }

    /** Text tower: the projected feature at each row's end-of-text position, {@code [B, E]}, not normalised. */
    public NDArray textEmbedding(NDArray ids, NDArray eotRows, Config cfg) {
        NDArray x = ids.getNDArrayInternal().embedding(ids, param("token_embedding.weight"), SparseFormat.DENSE)
                .singletonOrThrow().add(param("positional_embedding"));
        x = transformer("transformer.", x, cfg.textHeads(), true, cfg.textActivation());
        x = layerNorm("ln_final.", x);
        NDArray flat = x.reshape(-1, x.getShape().get(2));
        NDArray atEnd = eotRows.getNDArrayInternal().embedding(eotRows, flat, SparseFormat.DENSE).singletonOrThrow();
        return atEnd.matMul(param("text_projection"));
    }

    private NDArray activate(Activation act, NDArray x) {
        return switch (act) {
            case GELU -> ai.djl.nn.Activation.gelu(x);
            case QUICK_GELU -> x.div(x.mul(scalar(-1.702)).exp().add(scalar(1)));
        };
    }

    /** Rows scaled to unit L2 norm. */
    public static NDArray normalize(NDArray x) {
        return x.div(x.square().sum(new int[] {1}, true).sqrt());
    }

    /** {@code −mean_i Σ_c y_ic · log_softmax(z_i)_c}. */
    NDArray softCrossEntropy(NDArray logits, NDArray targets) {
        return logits.logSoftmax(1).mul(targets).sum().neg().div(scalar(logits.getShape().get(0)));
    }

    /** Cross-entropy of square logits against the labels {@code arange(B)}, mean reduction. */
    private NDArray hardCrossEntropy(NDArray logits) {
        long b = logits.getShape().get(0);
        return softCrossEntropy(logits, sub.eye((int) b, (int) b, 0, dtype));
    }

    private static NDArray splitHeads(NDArray x, int heads, long hd) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, hd).transpose(0, 2, 1, 3);
    }
}
