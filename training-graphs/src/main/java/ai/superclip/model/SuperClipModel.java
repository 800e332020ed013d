package ai.superclip.model;

import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.graph.Attr;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Init;
import ai.superclip.graph.ModelSpec;
import ai.superclip.graph.Op;
import ai.superclip.graph.Shape;
import ai.superclip.graph.Value;
import ai.superclip.model.ModelConfig.Loss;
import ai.superclip.nn.Functions;
import ai.superclip.nn.Layers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SuperCLIP model graph, after open_clip's {@code CLIP}: an image tower ({@link VisionTower}), a text
 * tower ({@link TextTower}), the learned {@code logit_scale}, and for the SuperCLIP loss the classification
 * head {@code superclip_head.*} on the mean patch token.
 *
 * <p>Graph inputs: {@value #PIXELS} float [B, 3, S, S] (already normalised), {@value #INPUT_IDS} int64 [B, T]
 * (T at most the context length L, the batch trimmed to its longest caption or not: the same loss and gradients)
 * and, for SuperCLIP, the caption's IDF-weighted, L1-normalised multi-hot tokens given sparsely:
 * {@value #CLS_TARGET_IDS} int64 [B, L] (its distinct ids, padded) and {@value #CLS_TARGET_WEIGHTS} float [B, L]
 * (their weights, 0 on padding). The training loss is {@value #CLIP_LOSS} + λ·{@value #CLS_LOSS}; both terms are extra outputs
 * ({@value #CLS_LOSS} only for SuperCLIP), and so is the temperature {@value #SCALE}. Every training output is a
 * float scalar.
 */
public final class SuperClipModel {
    public static final String PIXELS = "pixels";
    public static final String INPUT_IDS = "input_ids";
    /** The symbolic name of {@value #INPUT_IDS}' second dimension, the captions' (trimmed) length. */
    public static final String CAPTION_LENGTH = "caption_length";
    public static final String CLS_TARGET_IDS = "cls_target_ids";
    public static final String CLS_TARGET_WEIGHTS = "cls_target_weights";
    public static final String CLIP_LOSS = "clip_loss";
    public static final String CLS_LOSS = "cls_loss";
    /** Extra output: the contrastive temperature in use, exp(logit_scale) with logit_scale within its bounds. */
    public static final String SCALE = "scale";
    public static final String IMAGE_EMBEDS = "image_embeds";
    public static final String TEXT_EMBEDS = "text_embeds";
    /** A data-parallel worker's input: every worker's image features, [B, E] (see {@link #worker}). */
    public static final String GLOBAL_IMAGE_EMBEDS = "global_image_embeds";
    /** A data-parallel worker's input: every worker's caption features, [B, E]. */
    public static final String GLOBAL_TEXT_EMBEDS = "global_text_embeds";
    /** A data-parallel worker's input: where its m rows sit in the global batch, [B, m] of 0 and 1. */
    public static final String OWN_ROWS = "own_rows";
    /** A data-parallel worker's input, float[1]: 1 on the worker that carries logit_scale's gradient, else 0. */
    public static final String SCALE_SHARE = "logit_scale_share";
    /** A data-parallel worker's input, float[1]: its share m / B of the global batch. */
    public static final String CLS_SHARE = "cls_share";
    /** The symbolic name of the global batch dimension in a worker's models (its own rows are {@link ModelSpec#BATCH}). */
    static final String GLOBAL_BATCH = "global_batch";
    /** Prefix of the image tower's parameters: freeze it for LiT-style training. */
    public static final String VISION_PREFIX = VisionTower.PREFIX;
    /** Prefix of the classification head's parameters. */
    public static final String HEAD_PREFIX = "superclip_head.";
    public static final String LOGIT_SCALE = "logit_scale";
    /** The ceiling of exp(logit_scale): open_clip clamps logit_scale to [0, ln 100] after every optimizer step. */
    public static final double MAX_LOGIT_SCALE = 100;

    private SuperClipModel() {
    }

    /**
     * A training graph: the loss and its extra outputs over the inputs, all parameters declared.
     *
     * @param inputs the data inputs, in order
     * @param imageEmbeds the normalised image embeddings the loss compares, [B, E] (not an output)
     * @param textEmbeds the normalised caption embeddings, [B, E] (not an output)
     */
    public record Training(Graph graph, List<Value> inputs, Value loss, Map<String, Value> extraOutputs,
            Value imageEmbeds, Value textEmbeds) {
    }

    /** Builds the forward graph and loss of {@code config}, for any batch size. */
    public static Training training(ModelConfig config) {
        return build(config, false);
    }

    /**
     * The objective of one worker of synchronous data-parallel training over a global batch of B rows, of which this
     * worker holds m (its {@link #PIXELS}, {@link #INPUT_IDS} and targets). Besides the single-process inputs it takes
     * {@value #GLOBAL_IMAGE_EMBEDS} and {@value #GLOBAL_TEXT_EMBEDS} [B, E] (every worker's features, computed by a
     * forward pass and all-gathered), {@value #OWN_ROWS} [B, m] (1 where global row b is this worker's row j, 0
     * elsewhere), {@value #SCALE_SHARE} float[1] and {@value #CLS_SHARE} float[1]. The contrastive term is the global
     * one: the global features with this worker's rows replaced by its live features, so that the gradient reaching
     * its own rows is exactly that of the one-process loss over B rows, the other rows constants. logit_scale's
     * gradient, which every worker would compute in full, is kept where {@value #SCALE_SHARE} is 1 (feed 1 on one
     * worker, 0 on the others: the value is unchanged bit for bit). The classification term is weighted by
     * {@value #CLS_SHARE} (m / B), so that summing every worker's gradient gives the gradient of the one-process loss
     * over the global batch.
     */
    public static Training worker(ModelConfig config) {
        return build(config, true);
    }

    private static Training build(ModelConfig config, boolean worker) {
        Graph g = new Graph();
        Value pixels = pixels(g, config, Shape.UNKNOWN);
        Value ids = inputIds(g, config, Shape.UNKNOWN, Shape.UNKNOWN); // captions trimmed per batch
        VisionTower vision = new VisionTower(config.vision(), config.embedDim());
        Value tokens = vision.tokens(pixels);
        Value image = Functions.l2Normalize(vision.features(tokens));
        Value text = encodeText(ids, config);
        Value scale = logitScale(g);
        List<Value> inputs = new ArrayList<>(List.of(pixels, ids));
        Value clip;
        Value clsShare = null;
        if (worker) {
            long[] rowsByWidth = {Shape.UNKNOWN, config.embedDim()};
            Value globalImage = g.input(GLOBAL_IMAGE_EMBEDS, DType.FLOAT, rowsByWidth, GLOBAL_BATCH, null);
            Value globalText = g.input(GLOBAL_TEXT_EMBEDS, DType.FLOAT, rowsByWidth, GLOBAL_BATCH, null);
            Value ownRows = g.input(OWN_ROWS, DType.FLOAT, new long[] {Shape.UNKNOWN, Shape.UNKNOWN}, GLOBAL_BATCH,
                    ModelSpec.BATCH);
            Value scaleShare = g.input(SCALE_SHARE, DType.FLOAT, 1);
            clsShare = g.input(CLS_SHARE, DType.FLOAT, 1);
            inputs.addAll(List.of(globalImage, globalText, ownRows, scaleShare, clsShare));
            Value others = g.scalar(1, DType.FLOAT).sub(ownRows.sum(true, 1)); // [B, 1]: 0 on this worker's rows
            Value sharedScale = scale.mul(scaleShare)
                    .add(g.apply(Op.STOP_GRADIENT, scale.mul(g.scalar(1, DType.FLOAT).sub(scaleShare))));
            clip = clipLoss(globalImage.mul(others).add(g.node(Op.GEMM).input(ownRows).input(image).build()),
                    globalText.mul(others).add(g.node(Op.GEMM).input(ownRows).input(text).build()), sharedScale.reshape());
        } else {
            clip = clipLoss(image, text, scale);
        }
        Map<String, Value> extra = new LinkedHashMap<>();
        extra.put(CLIP_LOSS, clip);
        extra.put(SCALE, scale);
        if (config.loss() == Loss.CLIP) {
            return new Training(g, inputs, clip, extra, image, text);
        }
        int width = config.text().contextLength(); // a caption has at most L distinct ids
        Value targetIds = g.input(CLS_TARGET_IDS, DType.INT64, Shape.UNKNOWN, width);
        Value targetWeights = g.input(CLS_TARGET_WEIGHTS, DType.FLOAT, Shape.UNKNOWN, width);
        inputs.addAll(2, List.of(targetIds, targetWeights));
        Value logits = classificationLogits(VisionTower.patchMean(tokens), config);
        Value cls = Functions.sparseSoftTargetCrossEntropy(logits, targetIds, targetWeights);
        extra.put(CLS_LOSS, cls);
        Value weightedCls = worker ? cls.mul(clsShare.reshape()) : cls;
        return new Training(g, inputs, clip.add(weightedCls.mul(config.lambda())), extra, image, text);
    }

    /**
     * Writes the four training artifacts of {@code config} into {@code dir}, with the parameters under any of
     * {@code frozenPrefixes} frozen (e.g. {@link #VISION_PREFIX} to lock the image tower).
     *
     * @param initialValues parameter values to start from; the others are drawn from their initialisers with
     *     {@code seed}
     */
    public static TrainingArtifacts.Layout writeTrainingArtifacts(Path dir, ModelConfig config,
            List<String> frozenPrefixes, Map<String, float[]> initialValues, long seed) {
        return writeTrainingArtifacts(dir, config, frozenPrefixes, initialValues, seed, false);
    }

    /**
     * As {@link #writeTrainingArtifacts(Path, ModelConfig, List, Map, long)}; with {@code gradientCheckpointing} the
     * training model recomputes each transformer block in its backward pass instead of keeping the block's
     * activations (open_clip's {@code --grad-checkpointing}).
     */
    public static TrainingArtifacts.Layout writeTrainingArtifacts(Path dir, ModelConfig config,
            List<String> frozenPrefixes, Map<String, float[]> initialValues, long seed, boolean gradientCheckpointing) {
        Training t = training(config);
        frozenPrefixes.forEach(t.graph()::freeze);
        return TrainingArtifacts.write(dir, t.loss(), t.inputs(), t.extraOutputs(), config.adamW(), initialValues, seed,
                gradientCheckpointing);
    }

    /**
     * Writes a data-parallel worker's artifacts ({@link TrainingArtifacts#writeWorker}): the eval model computes
     * {@link #worker}'s loss and the trainable parameters' gradients; the training model injects gradients and
     * outputs {@value #IMAGE_EMBEDS} and {@value #TEXT_EMBEDS} of its {@value #PIXELS} and {@value #INPUT_IDS}.
     */
    public static TrainingArtifacts.Layout writeWorkerArtifacts(Path dir, ModelConfig config,
            List<String> frozenPrefixes, Map<String, float[]> initialValues, long seed) {
        Training w = worker(config);
        Training f = training(config);
        frozenPrefixes.forEach(w.graph()::freeze);
        frozenPrefixes.forEach(f.graph()::freeze);
        Map<String, Value> features = new LinkedHashMap<>();
        features.put(IMAGE_EMBEDS, f.imageEmbeds());
        features.put(TEXT_EMBEDS, f.textEmbeds());
        return TrainingArtifacts.writeWorker(dir, w.loss(), w.inputs(), w.extraOutputs(), f.inputs().subList(0, 2),
                features, config.adamW(), initialValues, seed);
    }

    /** The L2-normalised image embedding [B, E] of {@code pixels}. */
    public static Value encodeImage(Value pixels, ModelConfig config) {
        VisionTower vision = new VisionTower(config.vision(), config.embedDim());
        return Functions.l2Normalize(vision.features(vision.tokens(pixels)));
    }

    /** The classification head's logits [B, V] over the vocabulary for {@code pixels}. */
    static Value tokenLogits(Value pixels, ModelConfig config) {
        VisionTower vision = new VisionTower(config.vision(), config.embedDim());
        return classificationLogits(VisionTower.patchMean(vision.tokens(pixels)), config);
    }

    /** The L2-normalised caption embedding [B, E] of token ids {@code ids}. */
    public static Value encodeText(Value ids, ModelConfig config) {
        return Functions.l2Normalize(new TextTower(config.text(), config.embedDim()).features(ids));
    }

    /** The {@value #PIXELS} input, float [batch, 3, S, S]. */
    static Value pixels(Graph g, ModelConfig config, long batch) {
        int size = config.vision().imageSize();
        return g.input(PIXELS, DType.FLOAT, batch, 3, size, size);
    }

    /** The {@value #INPUT_IDS} input, int64 [batch, L]. */
    static Value inputIds(Graph g, ModelConfig config, long batch) {
        return inputIds(g, config, batch, config.text().contextLength());
    }

    /** Token ids [batch, length]; {@link Shape#UNKNOWN} for either leaves it to run time. */
    static Value inputIds(Graph g, ModelConfig config, long batch, long length) {
        return g.input(INPUT_IDS, DType.INT64, new long[] {batch, length}, ModelSpec.BATCH, CAPTION_LENGTH);
    }

    /**
     * Symmetric InfoNCE of matching rows of normalised {@code image} and {@code text} [B, E]: logits =
     * scale·image·textᵀ, the mean of the row-wise and column-wise cross-entropies.
     */
    static Value clipLoss(Value image, Value text, Value scale) {
        Graph g = image.graph();
        Value similarity = g.node(Op.GEMM).attr(Attr.TRANS_B, 1L).input(image).input(text).build();
        Value logits = similarity.mul(scale);
        Value labels = Functions.arangeOfFirstDim(logits);
        Value perImage = Functions.crossEntropy(logits, labels);
        Value perCaption = Functions.crossEntropy(logits.transpose(1, 0), labels);
        return perImage.add(perCaption).mul(0.5);
    }

    /**
     * The learnable temperature exp(logit_scale), logit_scale initialised to log(1/0.07) and kept within
     * [0, ln 100] as open_clip's training loop keeps it (see {@link Graph#boundedParameter}).
     */
    static Value logitScale(Graph g) {
        Init init = Init.constant((float) Math.log(1 / 0.07));
        return g.boundedParameter(LOGIT_SCALE, init, 0, Math.log(MAX_LOGIT_SCALE)).exp();
    }

    /**
     * The classification head (the reference's {@code MixClsHead} without MLP layers): LayerNorm then
     * Linear(width → vocabulary), weight Normal(width^-0.5), bias zero, [B, V].
     */
    static Value classificationLogits(Value patchMean, ModelConfig config) {
        Graph g = patchMean.graph();
        Init weight = Init.normal(Math.pow(patchMean.dim(-1), -0.5));
        return g.inScope("superclip_head", () -> Layers.linear(Layers.layerNorm(patchMean, "norm"), "fc",
                config.text().vocabSize(), weight, Init.zeros()));
    }
}
