package ai.superclip.model;

import ai.superclip.nn.Activation;

/**
 * The image tower's shape (open_clip's {@code CLIPVisionCfg}): a ViT over {@code imageSize}² RGB images cut
 * into {@code patchSize}² patches.
 *
 * @param imageSize side of the square input image, in pixels
 * @param patchSize side of a square patch; must divide {@code imageSize}
 * @param width token width W
 * @param layers number of residual attention blocks
 * @param heads attention heads; must divide {@code width}
 * @param mlpRatio MLP hidden width over {@code width} (4 in every open_clip ViT-B/L)
 * @param activation MLP activation: GELU (open_clip) or QUICK_GELU (OpenAI's weights)
 */
public record VisionConfig(int imageSize, int patchSize, int width, int layers, int heads, double mlpRatio,
        Activation activation) {

    public VisionConfig {
        if (imageSize <= 0 || patchSize <= 0 || imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image size " + imageSize + " is not a multiple of patch size " + patchSize);
        }
        ModelConfig.checkTransformer("vision", width, layers, heads, mlpRatio);
    }

    /** Patches per side: the token grid is {@code grid()}². */
    public int grid() {
        return imageSize / patchSize;
    }

    /** Tokens per image: the class token and one per patch. */
    public int tokens() {
        return grid() * grid() + 1;
    }

    /** The MLP's hidden width. */
    public int mlpWidth() {
        return (int) Math.round(width * mlpRatio);
    }
}
