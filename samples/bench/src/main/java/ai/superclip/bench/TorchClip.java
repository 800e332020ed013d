package ai.superclip.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.AdamW;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.superclip.graph.Parameter;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.SuperClipModel;
import ai.superclip.nn.Transformer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same CLIP / SuperCLIP model in libtorch (DJL's PyTorch engine, float32), the benchmark's yardstick: the
 * parameters of {@link SuperClipModel#training} with their shapes and initial values, a pre-LN ViT and causal text
 * transformer built from libtorch's fused operators (conv2d patch embedding, layer_norm, linear, gelu, embedding),
 * the symmetric InfoNCE loss and, for SuperCLIP, the head's soft-target cross-entropy; trained with DJL's
 * {@link AdamW} (decoupled weight decay through libtorch's fused {@code adamUpdate}), weight decay on the weight
 * matrices only, like the SDK.
 *
 * <p>DJL pitfalls handled here: the {@code add/mul/div(Number)} overloads are never used under autograd (they
 * free a scalar that autograd still reads; see {@code TorchOracle}); every intermediate array belongs to a
 * per-step sub-manager (an operation's result belongs to its first operand's manager, so activations always come
 * first); constants live in memory libtorch owns, never in a Java buffer.
 */
public final class TorchClip implements AutoCloseable {
    private final ModelConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Map<String, Boolean> decayed = new LinkedHashMap<>();
    private final Optimizer withDecay;
    private final Optimizer withoutDecay;
    private final NDArray half;
    private final NDArray maxScale;
    private final NDArray queryScaleVision;
    private final NDArray queryScaleText;
    private final NDArray causalMask;
    private final NDArray lambda;
    private final boolean superclip;

    /** Builds the model of {@code config} with the SDK's initial values for {@code seed}. */
    public TorchClip(ModelConfig config, long seed, float learningRate) {
        this.config = config;
        this.superclip = config.loss() == ModelConfig.Loss.SUPERCLIP;
        this.manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        List<Parameter> list = SuperClipModel.training(config).graph().parameters();
        for (Parameter p : list) {
            NDArray a = owned(p.initialValue(seed), p.shape());
            a.setRequiresGradient(true);
            params.put(p.name(), a);
            decayed.put(p.name(), p.decay());
        }
        var adamW = config.adamW();
        withDecay = AdamW.builder().optLearningRateTracker(Tracker.fixed(learningRate)).optBeta1(adamW.beta1())
                .optBeta2(adamW.beta2()).optEpsilon(adamW.epsilon()).optWeightDecays(adamW.weightDecay()).build();
        withoutDecay = AdamW.builder().optLearningRateTracker(Tracker.fixed(learningRate)).optBeta1(adamW.beta1())
                .optBeta2(adamW.beta2()).optEpsilon(adamW.epsilon()).optWeightDecays(0f).build();
        half = scalar(0.5f);
        maxScale = scalar((float) SuperClipModel.MAX_LOGIT_SCALE);
        lambda = scalar((float) config.lambda());
        queryScaleVision = scalar((float) (1 / Math.sqrt(config.vision().width() / (double) config.vision().heads())));
        queryScaleText = scalar((float) (1 / Math.sqrt(config.text().width() / (double) config.text().heads())));
        int l = config.text().contextLength();
        causalMask = owned(Transformer.causalMaskValues(l), l, l);
    }

    /** A copy of {@code values} in memory libtorch owns. */
    private NDArray owned(float[] values, long... shape) {
        try (NDArray wrapped = manager.create(values, new Shape(shape))) {
            return wrapped.duplicate();
        }
    }

    private NDArray scalar(float v) {
        return owned(new float[] {v});
    }

    /** Fixed inputs of one batch, copied once into libtorch memory. */
    public final class Batch implements AutoCloseable {
        final NDManager inputs = manager.newSubManager();
        final NDArray pixels;
        final NDArray ids;
        final NDArray eotRows;
        final NDArray targets;
        final NDArray eye;
        final NDArray invBatch;
        final int size;

        Batch(FloatBuffer pixelValues, LongBuffer idValues, FloatBuffer targetValues, int size) {
            this.size = size;
            int s = config.vision().imageSize();
            int l = config.text().contextLength();
            pixels = copy(inputs.create(pixelValues.duplicate().rewind(), new Shape(size, 3, s, s)));
            long[] idArray = new long[size * l];
            idValues.duplicate().rewind().get(idArray);
            ids = copy(inputs.create(idArray, new Shape(size, l)));
            long[] rows = new long[size];
            for (int i = 0; i < size; i++) {
                int arg = 0;
                for (int j = 0; j < l; j++) {
                    arg = idArray[i * l + j] > idArray[i * l + arg] ? j : arg;
                }
                rows[i] = (long) i * l + arg;
            }
            eotRows = copy(inputs.create(rows, new Shape(size)));
            targets = targetValues == null ? null
                    : copy(inputs.create(targetValues.duplicate().rewind(), new Shape(size, config.text().vocabSize())));
            eye = copy(inputs.eye(size).toType(DataType.FLOAT32, false));
            invBatch = copy(inputs.create(new float[] {1f / size}));
        }

        private NDArray copy(NDArray wrapped) {
            NDArray c = wrapped.duplicate();
            wrapped.close();
            return c;
        }

        @Override
        public void close() {
            inputs.close();
        }
    }

    /** Prepares one batch; {@code targets} may be null for the CLIP loss. */
    public Batch batch(FloatBuffer pixels, LongBuffer ids, FloatBuffer targets, int size) {
        return new Batch(pixels, ids, targets, size);
    }

    /** One training step: forward, backward, AdamW update, gradients zeroed. Returns the loss. */
    public float trainStep(Batch b) {
        float loss;
        try (NDManager sub = manager.newSubManager()) {
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray total = loss(sub, b);
                collector.backward(total);
                loss = total.getFloat();
            }
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray p = e.getValue();
                try (NDArray g = p.getGradient()) {
                    (decayed.get(e.getKey()) ? withDecay : withoutDecay).update(e.getKey(), p, g);
                    g.subi(g);
                }
            }
        }
        return loss;
    }

    /** Embeds the batch's images without gradients: [B, E]. */
    public void encodeImages(Batch b) {
        try (NDManager sub = manager.newSubManager()) {
            NDArray tokens = visionTokens(sub, attach(sub, b.pixels));
            normalize(tokens.get(":, 0, :").matMul(params.get("visual.proj"))).toFloatArray();
        }
    }

    /** Embeds the batch's captions without gradients: [B, E]. */
    public void encodeTexts(Batch b) {
        try (NDManager sub = manager.newSubManager()) {
            normalize(textFeatures(sub, b)).toFloatArray();
        }
    }

    /** A view of {@code a} owned by {@code sub}, so that results of operations on it go to {@code sub}. */
    private static NDArray attach(NDManager sub, NDArray a) {
        NDArray view = a.reshape(a.getShape());
        view.attach(sub);
        return view;
    }

    private NDArray loss(NDManager sub, Batch b) {
        NDArray tokens = visionTokens(sub, attach(sub, b.pixels));
        NDArray image = normalize(tokens.get(":, 0, :").matMul(params.get("visual.proj")));
        NDArray text = normalize(textFeatures(sub, b));
        NDArray scale = sub.ones(new Shape()).mul(params.get(SuperClipModel.LOGIT_SCALE)).exp().minimum(maxScale);
        NDArray logits = image.matMul(text.transpose()).mul(scale);
        NDArray clip = hardCrossEntropy(logits, b).add(hardCrossEntropy(logits.transpose(), b)).mul(half);
        if (!superclip) {
            return clip;
        }
        NDArray patchMean = tokens.get(":, 1:, :").mean(new int[] {1});
        NDArray z = linear(layerNorm(patchMean, "superclip_head.norm."), "superclip_head.fc.");
        NDArray cls = z.logSoftmax(1).mul(b.targets).sum().neg().mul(b.invBatch);
        return clip.add(cls.mul(lambda));
    }

    private NDArray hardCrossEntropy(NDArray logits, Batch b) {
        return logits.logSoftmax(1).mul(b.eye).sum().neg().mul(b.invBatch);
    }

    private NDArray visionTokens(NDManager sub, NDArray pixels) {
        int p = config.vision().patchSize();
        long w = config.vision().width();
        NDArray conv = Conv2d.conv2d(pixels, params.get("visual.conv1.weight"), null, new Shape(p, p)).singletonOrThrow();
        Shape s = conv.getShape();
        long batch = s.get(0);
        NDArray patches = conv.reshape(batch, w, s.get(2) * s.get(3)).transpose(0, 2, 1);
        NDArray classToken = sub.ones(new Shape(batch, 1, 1)).mul(params.get("visual.class_embedding"));
        NDArray x = classToken.concat(patches, 1).add(params.get("visual.positional_embedding"));
        x = layerNorm(x, "visual.ln_pre.");
        for (int i = 0; i < config.vision().layers(); i++) {
            x = block(x, "visual.transformer.resblocks." + i + ".", config.vision().heads(), null, queryScaleVision);
        }
        return layerNorm(x, "visual.ln_post.");
    }

    private NDArray textFeatures(NDManager sub, Batch b) {
        NDArray ids = attach(sub, b.ids);
        NDArray table = params.get("token_embedding.weight");
        NDArray x = ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).singletonOrThrow()
                .add(params.get("positional_embedding"));
        for (int i = 0; i < config.text().layers(); i++) {
            x = block(x, "transformer.resblocks." + i + ".", config.text().heads(), causalMask, queryScaleText);
        }
        x = layerNorm(x, "ln_final.");
        long width = config.text().width();
        NDArray flat = x.reshape(-1, width);
        NDArray rows = attach(sub, b.eotRows);
        NDArray atEnd = rows.getNDArrayInternal().embedding(rows, flat, SparseFormat.DENSE).singletonOrThrow();
        return atEnd.matMul(params.get("text_projection"));
    }

    private NDArray block(NDArray x, String p, int heads, NDArray mask, NDArray queryScale) {
        x = x.add(attention(layerNorm(x, p + "ln_1."), p + "attn.", heads, mask, queryScale));
        NDArray hidden = Activation.gelu(linear(layerNorm(x, p + "ln_2."), p + "mlp.c_fc."));
        return x.add(linear(hidden, p + "mlp.c_proj."));
    }

    private NDArray attention(NDArray x, String p, int heads, NDArray mask, NDArray queryScale) {
        Shape s = x.getShape();
        long b = s.get(0);
        long t = s.get(1);
        long d = s.get(2);
        long hd = d / heads;
        NDArray qkv = Linear.linear(x, params.get(p + "in_proj_weight"), params.get(p + "in_proj_bias")).singletonOrThrow();
        NDList split = qkv.split(3, 2);
        NDArray q = split.get(0).reshape(b, t, heads, hd).transpose(0, 2, 1, 3).mul(queryScale);
        NDArray kT = split.get(1).reshape(b, t, heads, hd).transpose(0, 2, 3, 1);
        NDArray v = split.get(2).reshape(b, t, heads, hd).transpose(0, 2, 1, 3);
        NDArray scores = q.matMul(kT);
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray context = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, t, d);
        return linear(context, p + "out_proj.");
    }

    private NDArray linear(NDArray x, String p) {
        return Linear.linear(x, params.get(p + "weight"), params.get(p + "bias")).singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, String p) {
        long width = x.getShape().get(x.getShape().dimension() - 1);
        return LayerNorm.layerNorm(x, new Shape(width), params.get(p + "weight"), params.get(p + "bias"), 1e-5f)
                .singletonOrThrow();
    }

    private static NDArray normalize(NDArray x) {
        return x.div(x.square().sum(new int[] {1}, true).sqrt());
    }

    @Override
    public void close() {
        manager.close();
    }
}
