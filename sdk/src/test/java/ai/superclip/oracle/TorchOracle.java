package ai.superclip.oracle;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import ai.superclip.model.ModelConfig;
import ai.superclip.oracle.TorchClip.Losses;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Reference losses and gradients computed by libtorch autograd (DJL's PyTorch engine), independent
 * of the project's own autodiff, of the model {@link TorchClip} defines after open_clip.
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
                         Activation textActivation, LossKind loss, double lambda) {

        /** The hyper-parameters of a model the SDK builds from {@code c}. */
        public static Config of(ModelConfig c) {
            return new Config(c.vision().patchSize(), c.vision().heads(), c.text().heads(),
                    Activation.valueOf(c.vision().activation().name()), Activation.valueOf(c.text().activation().name()),
                    LossKind.valueOf(c.loss().name()), c.lambda());
        }
    }

    /**
     * Loss values and gradients. {@code total} is the differentiated loss; for the classifier it
     * equals {@code cls} and {@code clip} is 0. {@code gradients} has one entry per given parameter;
     * {@code inputGradient} is the gradient of the classifier's input, null for {@link #superclip}.
     */
    public record Result(double total, double clip, double cls, Map<String, OracleTensor> gradients,
                         OracleTensor inputGradient) {}

    private static final Object AUTOGRAD_LOCK = new Object();

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
        return differentiate(params, x, null, (model, input) -> {
            NDArray h = model.transformer("", input, heads, causal, act);
            h = model.layerNorm("ln_final.", h).mean(new int[] {1});
            NDArray loss = model.softCrossEntropy(model.linear("head.", h), model.constant(targets.values(), targets.shape()));
            return new Losses(loss, null, loss);
        });
    }

    /**
     * CLIP or SuperCLIP loss of a ViT image tower ({@code visual.*}), a causal text tower and,
     * for SuperCLIP, the token-classification head {@code superclip_head.*} ({@link TorchClip#superclip}).
     *
     * @param images     {@code [B,3,S,S]}
     * @param tokenIds   {@code [B][L]}; the end-of-text token is the first maximum of a row
     * @param clsTargets soft classification targets {@code [B,V]}; unused (may be null) for CLIP
     */
    public Result superclip(Map<String, OracleTensor> params, OracleTensor images, long[][] tokenIds,
                            OracleTensor clsTargets, Config cfg) {
        String unusedPrefix = cfg.loss() == LossKind.CLIP ? "superclip_head." : null;
        int b = tokenIds.length, l = tokenIds[0].length;
        long[] flat = Arrays.stream(tokenIds).flatMapToLong(Arrays::stream).toArray();
        return differentiate(params, null, unusedPrefix, (model, input) -> model.superclip(
                model.constant(images.values(), images.shape()), model.indices(flat, b, l),
                model.indices(TorchClip.endOfTextRows(flat, b, l), b),
                clsTargets == null ? null : model.constant(clsTargets.values(), clsTargets.shape()), cfg));
    }

    @Override
    public void close() {
        manager.close();
    }

    /** Runs {@code loss} under autograd; parameters it leaves unused must start with {@code unusedPrefix}. */
    private Result differentiate(Map<String, OracleTensor> params, OracleTensor input, String unusedPrefix,
                                 BiFunction<TorchClip, NDArray, Losses> loss) {
        synchronized (AUTOGRAD_LOCK) {
            try (NDManager sub = manager.newSubManager();
                 GradientCollector collector = manager.getEngine().newGradientCollector()) {
                Map<String, NDArray> leaves = new HashMap<>();
                Function<OracleTensor, NDArray> leaf = t -> {
                    NDArray a = TorchClip.owned(sub, t.values(), t.shape()).toType(dtype, false);
                    a.setRequiresGradient(true);
                    return a;
                };
                TorchClip model = new TorchClip(sub, dtype, params.keySet(), name -> {
                    OracleTensor t = params.get(name);
                    if (t == null) {
                        throw new IllegalArgumentException("missing parameter " + name);
                    }
                    return leaves.computeIfAbsent(name, k -> leaf.apply(t));
                });
                NDArray x = input == null ? null : leaf.apply(input);
                Losses losses = loss.apply(model, x);
                for (String name : params.keySet()) {
                    if (!leaves.containsKey(name) && (unusedPrefix == null || !name.startsWith(unusedPrefix))) {
                        throw new IllegalArgumentException("parameter " + name + " is not used by the model");
                    }
                }
                collector.backward(losses.total());
                Map<String, OracleTensor> gradients = new LinkedHashMap<>();
                for (Map.Entry<String, OracleTensor> e : params.entrySet()) {
                    NDArray l = leaves.get(e.getKey());
                    gradients.put(e.getKey(), l == null ? OracleTensor.zeros(e.getValue().shape()) : gradient(l));
                }
                return new Result(scalar(losses.total()), scalar(losses.clip()), scalar(losses.cls()), gradients,
                        x == null ? null : gradient(x));
            }
        }
    }

    private static double scalar(NDArray a) {
        return a == null ? 0 : a.toType(DataType.FLOAT64, false).getDouble();
    }

    private static OracleTensor gradient(NDArray leaf) {
        NDArray g = leaf.getGradient();
        return new OracleTensor(leaf.getShape().getShape(), g.toType(DataType.FLOAT64, false).toDoubleArray());
    }
}
