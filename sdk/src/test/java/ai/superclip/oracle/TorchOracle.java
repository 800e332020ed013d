package ai.superclip.oracle;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Reference losses and gradients computed by libtorch autograd (DJL's PyTorch engine), independent
 * of the project's own autodiff. The models follow open_clip's conventions: pre-LN residual
 * attention blocks, Linear weights stored {@code [out, in]} and applied as {@code x·Wᵀ + b}.
 *
 * <p>Computations run in float64 unless another type is chosen. A parameter missing from the map,
 * or one the model does not use, fails the call, except the SuperCLIP head under the CLIP loss,
 * which gets zero gradients. Calls are serialised JVM-wide,
 * since libtorch allows only one gradient collector at a time.
 */
public final class TorchOracle implements AutoCloseable {

    /** MLP activation: exact (erf) GELU, or OpenAI's QuickGELU {@code x·σ(1.702x)}. */
    public enum Activation { GELU, QUICK_GELU }

    /** Contrastive loss alone, or contrastive plus λ times the token-classification loss. */
    public enum LossKind { CLIP, SUPERCLIP }

    /** Hyper-parameters of {@link #superclip} that the parameter shapes do not tell. */
    public record Config(int patchSize, int visionHeads, int textHeads, Activation visionActivation,
                         Activation textActivation, LossKind loss, double lambda) {}

    /**
     * Loss values and gradients. {@code total} is the differentiated loss; for the classifier it
     * equals {@code cls} and {@code clip} is 0. {@code gradients} has one entry per given parameter;
     * {@code inputGradient} is the gradient of the classifier's input, null for {@link #superclip}.
     */
    public record Result(double total, double clip, double cls, Map<String, OracleTensor> gradients,
                         OracleTensor inputGradient) {}

    private static final Object AUTOGRAD_LOCK = new Object();
    private static final double LN_EPS = 1e-5;

    private final NDManager manager;
    private final DataType dtype;

    /** An oracle computing in float64. */
    public TorchOracle() {
        this(DataType.FLOAT64);
    }

    /** An oracle computing in {@code dtype} (FLOAT64 or FLOAT32). */
    public TorchOracle(DataType dtype) {
        this.manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        this.dtype = dtype;
    }

    /**
     * Transformer blocks {@code resblocks.{i}.*}, {@code ln_final}, mean over T, Linear {@code head}
     * and soft-target cross-entropy.
     *
     * @param x       input {@code [B,T,D]}
     * @param targets soft targets {@code [B,C]}, rows summing to 1
     */
    public Result transformerClassifier(Map<String, OracleTensor> params, OracleTensor x, OracleTensor targets,
                                        int heads, boolean causal, Activation act) {
        return differentiate(params, x, null, pass -> {
            NDArray h = pass.transformer("", pass.input, heads, causal, act);
            h = pass.layerNorm("ln_final.", h).mean(new int[] {1});
            NDArray loss = pass.softCrossEntropy(pass.linear("head.", h), pass.constant(targets));
            return new Losses(loss, null, loss);
        });
    }

    /**
     * CLIP or SuperCLIP loss of a ViT image tower ({@code visual.*}), a causal text tower and,
     * for SuperCLIP, the token-classification head {@code superclip_head.*}.
     *
     * @param images     {@code [B,3,S,S]}
     * @param tokenIds   {@code [B][L]}; the end-of-text token is the first maximum of a row
     * @param clsTargets soft classification targets {@code [B,V]}; unused (may be null) for CLIP
     */
    public Result superclip(Map<String, OracleTensor> params, OracleTensor images, long[][] tokenIds,
                            OracleTensor clsTargets, Config cfg) {
        String unusedPrefix = cfg.loss() == LossKind.CLIP ? "superclip_head." : null;
        return differentiate(params, null, unusedPrefix, pass -> {
            NDArray tokens = pass.visionTokens(pass.constant(images), cfg);
            long n = tokens.getShape().get(1);
            NDArray pooled = pass.averageTokens(tokens, 0, 1);
            NDArray imageFeatures = pass.normalize(pooled.matMul(pass.param("visual.proj")));
            NDArray textFeatures = pass.normalize(pass.textEmbedding(tokenIds, cfg));

            NDArray scale = pass.param("logit_scale").exp(); // unclamped: open_clip clamps the parameter after each step
            NDArray logits = imageFeatures.matMul(textFeatures.transpose()).mul(scale);
            NDArray clip = pass.hardCrossEntropy(logits).add(pass.hardCrossEntropy(logits.transpose()))
                    .div(pass.scalar(2));
            if (cfg.loss() == LossKind.CLIP) {
                return new Losses(clip, clip, null);
            }
            NDArray headIn = pass.averageTokens(tokens, 1, n);
            NDArray z = pass.linear("superclip_head.fc.", pass.layerNorm("superclip_head.norm.", headIn));
            NDArray cls = pass.softCrossEntropy(z, pass.constant(clsTargets));
            return new Losses(clip.add(cls.mul(pass.scalar(cfg.lambda()))), clip, cls);
        });
    }

    @Override
    public void close() {
        manager.close();
    }

    private record Losses(NDArray total, NDArray clip, NDArray cls) {}

    /** Runs {@code model} under autograd; parameters it leaves unused must start with {@code unusedPrefix}. */
    private Result differentiate(Map<String, OracleTensor> params, OracleTensor input, String unusedPrefix,
                                 Function<Pass, Losses> model) {
        synchronized (AUTOGRAD_LOCK) {
            try (NDManager sub = manager.newSubManager();
                 GradientCollector collector = manager.getEngine().newGradientCollector()) {
                Pass pass = new Pass(sub, params, input);
                Losses losses = model.apply(pass);
                for (String name : params.keySet()) {
                    if (!pass.leaves.containsKey(name) && (unusedPrefix == null || !name.startsWith(unusedPrefix))) {
                        throw new IllegalArgumentException("parameter " + name + " is not used by the model");
                    }
                }
                collector.backward(losses.total());
                Map<String, OracleTensor> gradients = new LinkedHashMap<>();
                for (Map.Entry<String, OracleTensor> e : params.entrySet()) {
                    NDArray leaf = pass.leaves.get(e.getKey());
                    gradients.put(e.getKey(), leaf == null ? OracleTensor.zeros(e.getValue().shape()) : gradient(leaf));
                }
                return new Result(scalar(losses.total()), scalar(losses.clip()), scalar(losses.cls()), gradients,
                        pass.input == null ? null : gradient(pass.input));
            }
        }
    }

    /** One forward pass: leaf arrays created on first use, constants, and the shared layers. */
    private final class Pass {
        final NDManager sub;
        final Map<String, OracleTensor> params;
        final Map<String, NDArray> leaves = new HashMap<>();
        final NDArray input;

        Pass(NDManager sub, Map<String, OracleTensor> params, OracleTensor input) {
            this.sub = sub;
            this.params = params;
            this.input = input == null ? null : leaf(input);
        }

        NDArray param(String name) {
            OracleTensor t = params.get(name);
            if (t == null) {
                throw new IllegalArgumentException("missing parameter " + name);
            }
            return leaves.computeIfAbsent(name, k -> leaf(t));
        }

        NDArray leaf(OracleTensor t) {
            NDArray a = constant(t);
            a.setRequiresGradient(true);
            return a;
        }

        NDArray constant(OracleTensor t) {
            return constant(t.values(), t.shape());
        }

        /**
         * A constant in memory that libtorch owns. {@code NDManager.create} wraps a Java direct buffer without
         * copying it ({@code torch::from_blob}); autograd keeps its own reference to the tensor but not to the
         * buffer, which the garbage collector frees once its {@code NDArray} is unreachable or closed. So the
         * wrapping array is cloned and closed at once, and no tensor of the graph ever aliases Java memory.
         */
        NDArray constant(double[] values, long... shape) {
            try (NDArray wrapped = sub.create(values, new Shape(shape))) {
                return wrapped.duplicate().toType(dtype, false);
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
            return x.matMul(param(prefix + "weight").transpose()).add(param(prefix + "bias"));
        }

        NDArray layerNorm(String prefix, NDArray x) {
            NDArray centred = x.sub(x.mean(new int[] {-1}, true));
            NDArray variance = centred.square().mean(new int[] {-1}, true);
            return centred.div(variance.add(scalar(LN_EPS)).sqrt()).mul(param(prefix + "weight")).add(param(prefix + "bias"));
        }

        /** Blocks {@code prefix + "resblocks.{i}."} for every i present in the parameters. */
        NDArray transformer(String prefix, NDArray x, int heads, boolean causal, Activation act) {
            String blocks = prefix + "resblocks.";
            int layers = params.keySet().stream()
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
        NDArray block(String p, NDArray x, int heads, NDArray mask, Activation act) {
            x = x.add(attention(p + "attn.", layerNorm(p + "ln_1.", x), heads, mask));
            NDArray hidden = activate(act, linear(p + "mlp.c_fc.", layerNorm(p + "ln_2.", x)));
            return x.add(linear(p + "mlp.c_proj.", hidden));
        }

        NDArray attention(String p, NDArray x, int heads, NDArray mask) {
            Shape s = x.getShape();
            long b = s.get(0), t = s.get(1), d = s.get(2);
            if (d % heads != 0) {
                throw new IllegalArgumentException("width " + d + " is not divisible by " + heads + " heads");
            }
            long hd = d / heads;
            NDArray qkv = x.matMul(param(p + "in_proj_weight").transpose()).add(param(p + "in_proj_bias"));
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

        NDArray causalMask(long t) {
            double[] m = new double[(int) (t * t)];
            for (int row = 0; row < t; row++) {
                for (int col = row + 1; col < t; col++) {
                    m[(int) (row * t + col)] = Double.NEGATIVE_INFINITY;
                }
            }
            return constant(m, t, t);
        }

        /** Mean of tokens {@code [from, to)} of {@code [B,N,W]}: {@code [B,W]}. */
        NDArray averageTokens(NDArray tokens, long from, long to) {
            long n = tokens.getShape().get(1);
            double[] weights = new double[(int) n];
            Arrays.fill(weights, (int) from, (int) to, 1.0 / (to - from));
            return squeezeRow(constant(weights, 1, n).matMul(tokens));
        }

        /** Image tower up to {@code ln_post}: tokens {@code [B, 1 + g², W]}, class token first. */
        NDArray visionTokens(NDArray images, Config cfg) {
            long p = cfg.patchSize();
            NDArray conv = Conv2d.conv2d(images, param("visual.conv1.weight"), null, new Shape(p, p))
                    .singletonOrThrow();
            Shape s = conv.getShape();
            long b = s.get(0), w = s.get(1);
            NDArray patches = conv.reshape(b, w, s.get(2) * s.get(3)).transpose(0, 2, 1);
            NDArray classToken = sub.ones(new Shape(b, 1, 1), dtype)
                    .mul(param("visual.class_embedding").reshape(1, 1, w));
            NDArray x = classToken.concat(patches, 1).add(param("visual.positional_embedding"));
            x = layerNorm("visual.ln_pre.", x);
            x = transformer("visual.transformer.", x, cfg.visionHeads(), false, cfg.visionActivation());
            return layerNorm("visual.ln_post.", x);
        }

        /** Text tower: projected feature at each row's end-of-text position, {@code [B, E]}. */
        NDArray textEmbedding(long[][] ids, Config cfg) {
            NDArray table = param("token_embedding.weight");
            int vocab = (int) table.getShape().get(0);
            int b = ids.length, l = ids[0].length;
            double[] oneHot = new double[b * l * vocab];
            double[] eot = new double[b * l];
            for (int i = 0; i < b; i++) {
                int argmax = 0;
                for (int j = 0; j < l; j++) {
                    oneHot[(i * l + j) * vocab + Math.toIntExact(ids[i][j])] = 1;
                    argmax = ids[i][j] > ids[i][argmax] ? j : argmax;
                }
                eot[i * l + argmax] = 1;
            }
            NDArray x = constant(oneHot, b, l, vocab).matMul(table).add(param("positional_embedding"));
            x = transformer("transformer.", x, cfg.textHeads(), true, cfg.textActivation());
            x = layerNorm("ln_final.", x);
            return squeezeRow(constant(eot, b, 1, l).matMul(x)).matMul(param("text_projection"));
        }

        NDArray activate(Activation act, NDArray x) {
            return switch (act) {
                case GELU -> x.mul(x.div(scalar(Math.sqrt(2))).erf().add(scalar(1))).mul(scalar(0.5));
                case QUICK_GELU -> x.div(x.mul(scalar(-1.702)).exp().add(scalar(1)));
            };
        }

        NDArray normalize(NDArray x) {
            return x.div(x.square().sum(new int[] {1}, true).sqrt());
        }

        /** {@code −mean_i Σ_c y_ic · log_softmax(z_i)_c}. */
        NDArray softCrossEntropy(NDArray logits, NDArray targets) {
            return logits.logSoftmax(1).mul(targets).sum().neg().div(scalar(logits.getShape().get(0)));
        }

        /** Cross-entropy of square logits against the labels {@code arange(B)}, mean reduction. */
        NDArray hardCrossEntropy(NDArray logits) {
            long b = logits.getShape().get(0);
            return softCrossEntropy(logits, sub.eye((int) b, (int) b, 0, dtype));
        }
    }

    private static NDArray splitHeads(NDArray x, int heads, long hd) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, hd).transpose(0, 2, 1, 3);
    }

    /** {@code [B,1,W]} to {@code [B,W]}. */
    private static NDArray squeezeRow(NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(2));
    }

    private static double scalar(NDArray a) {
        return a == null ? 0 : a.toType(DataType.FLOAT64, false).getDouble();
    }

    private static OracleTensor gradient(NDArray leaf) {
        NDArray g = leaf.getGradient();
        return new OracleTensor(leaf.getShape().getShape(), g.toType(DataType.FLOAT64, false).toDoubleArray());
    }
}
