package ai.superclip.model;

import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.graph.Attr;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Init;
import ai.superclip.graph.Op;
import ai.superclip.graph.Shape;
import ai.superclip.graph.Value;
import ai.superclip.model.ModelConfig.Loss;
import ai.superclip.nn.Functions;
import ai.superclip.nn.Layers;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SuperCLIP model graph, after open_clip's {@code CLIP}: an image tower ({@link VisionTower}), a text
 * tower ({@link TextTower}), the learned {@code logit_scale}, and for the SuperCLIP loss the classification
 * head {@code superclip_head.*} on the mean patch token.
 *
 * <p>Graph inputs: {@value #PIXELS} float [B, 3, S, S] (already normalised), {@value #INPUT_IDS} int64 [B, L]
 * and, for SuperCLIP, the caption's IDF-weighted, L1-normalised multi-hot tokens given sparsely:
 * {@value #CLS_TARGET_IDS} int64 [B, L] (its distinct ids, padded) and {@value #CLS_TARGET_WEIGHTS} float [B, L]
 * (their weights, 0 on padding). The training loss is {@value #CLIP_LOSS} + λ·{@value #CLS_LOSS}; both terms are extra outputs
 * ({@value #CLS_LOSS} only for SuperCLIP), and so is the temperature {@value #SCALE}. Every training output is a
 * float scalar.
 */
public final class SuperClipModel {
    public static final String PIXELS = "pixels";
    public static final String INPUT_IDS = "input_ids";
    public static final String CLS_TARGET_IDS = "cls_target_ids";
    public static final String CLS_TARGET_WEIGHTS = "cls_target_weights";
    public static final String CLIP_LOSS = "clip_loss";
    public static final String CLS_LOSS = "cls_loss";
    /** Extra output: the contrastive temperature in use, exp(logit_scale) with logit_scale within its bounds. */
    public static final String SCALE = "scale";
    public static final String IMAGE_EMBEDS = "image_embeds";
    public static final String TEXT_EMBEDS = "text_embeds";
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
        Graph g = new Graph();
        Value pixels = pixels(g, config, Shape.UNKNOWN);
        Value ids = inputIds(g, config, Shape.UNKNOWN);
        VisionTower vision = new VisionTower(config.vision(), config.embedDim());
        Value tokens = vision.tokens(pixels);
        Value image = Functions.l2Normalize(vision.features(tokens));
        Value text = encodeText(ids, config);
        Value scale = logitScale(g);
        Value clip = clipLoss(image, text, scale);
        Map<String, Value> extra = new LinkedHashMap<>();
        extra.put(CLIP_LOSS, clip);
        extra.put(SCALE, scale);
        if (config.loss() == Loss.CLIP) {
            return new Training(g, List.of(pixels, ids), clip, extra, image, text);
        }
        int width = config.text().contextLength(); // a caption has at most L distinct ids
        Value targetIds = g.input(CLS_TARGET_IDS, DType.INT64, Shape.UNKNOWN, width);
        Value targetWeights = g.input(CLS_TARGET_WEIGHTS, DType.FLOAT, Shape.UNKNOWN, width);
        Value logits = classificationLogits(VisionTower.patchMean(tokens), config);
        Value cls = Functions.sparseSoftTargetCrossEntropy(logits, targetIds, targetWeights);
        extra.put(CLS_LOSS, cls);
        return new Training(g, List.of(pixels, ids, targetIds, targetWeights), clip.add(cls.mul(config.lambda())), extra,
                image, text);
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
        Training t = training(config);
        frozenPrefixes.forEach(t.graph()::freeze);
        return TrainingArtifacts.write(dir, t.loss(), t.inputs(), t.extraOutputs(), config.adamW(), initialValues, seed);
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
        return g.input(INPUT_IDS, DType.INT64, batch, config.text().contextLength());
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
