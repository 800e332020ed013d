package ai.superclip.model;

import ai.superclip.artifacts.AdamW;
import ai.superclip.nn.Activation;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A whole model: both towers, the shared embedding width, the loss, and the optimizer's hyper-parameters.
 * See {@link Presets} for named configurations.
 *
 * @param embedDim width E of the joint image-text embedding
 * @param loss CLIP alone, or SuperCLIP (CLIP plus {@code lambda} times the token-classification loss)
 * @param lambda weight of the classification loss (SuperCLIP uses 1)
 * @param adamW optimizer hyper-parameters; weight decay applies to weight matrices only
 */
public record ModelConfig(int embedDim, VisionConfig vision, TextConfig text, Loss loss, double lambda, AdamW adamW) {

    /** The training objective. */
    public enum Loss {
        /** Symmetric InfoNCE over the batch's image-caption pairs. */
        CLIP,
        /** CLIP plus λ times the soft-target classification of the caption's tokens from the image. */
        SUPERCLIP
    }

    /** SuperCLIP's weight of the classification loss. */
    public static final double DEFAULT_LAMBDA = 1.0;

    public ModelConfig {
        if (embedDim <= 0) {
            throw new IllegalArgumentException("embedding width must be positive, got " + embedDim);
        }
        if (!(lambda >= 0)) {
            throw new IllegalArgumentException("lambda must be >= 0, got " + lambda);
        }
    }

    /** The same model trained with another loss. */
    public ModelConfig withLoss(Loss newLoss) {
        return new ModelConfig(embedDim, vision, text, newLoss, lambda, adamW);
    }

    /** The same model for a tokenizer with {@code vocabSize} ids and captions of {@code contextLength} tokens. */
    public ModelConfig withTokenizer(int vocabSize, int contextLength) {
        TextConfig t = new TextConfig(vocabSize, contextLength, text.width(), text.heads(), text.layers(),
                text.mlpRatio(), text.activation());
        return new ModelConfig(embedDim, vision, t, loss, lambda, adamW);
    }

    /** The architecture and loss as a small JSON object (the optimizer is left out); {@link #fromJson} reads it. */
    public String toJson() {
        return ConfigJson.write(this);
    }

    /**
     * Reads what {@link #toJson} wrote, with {@code adamW} as the optimizer.
     *
     * @throws IllegalArgumentException naming the field that is unknown, missing or invalid
     */
    public static ModelConfig fromJson(String json, AdamW adamW) {
        return ConfigJson.read(ConfigJson.tree(json), adamW);
    }

    /** {@link #fromJson(String, AdamW)} over an already parsed tree (e.g. a field of a larger document). */
    public static ModelConfig fromJson(JsonNode json, AdamW adamW) {
        return ConfigJson.read(json, adamW);
    }

    static void checkTransformer(String tower, int width, int layers, int heads, double mlpRatio) {
        if (width <= 0 || layers <= 0 || heads <= 0 || width % heads != 0 || !(mlpRatio > 0)) {
            throw new IllegalArgumentException(tower + " tower: width " + width + ", " + layers + " layers, " + heads
                    + " heads, MLP ratio " + mlpRatio + " (width must be a positive multiple of heads)");
        }
    }
}
