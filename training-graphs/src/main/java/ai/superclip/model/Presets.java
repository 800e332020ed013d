package ai.superclip.model;

import ai.superclip.artifacts.AdamW;
import ai.superclip.model.ModelConfig.Loss;
import ai.superclip.nn.Activation;
import java.util.Iterator;
import java.util.List;

/**
 * Named configurations, all with the CLIP tokenizer's vocabulary and context, the SuperCLIP loss (λ = 1) and
 * the reference runs' AdamW (β 0.9, 0.98, ε 1e-6, weight decay 0.2):
 * <ul>
 *   <li>{@code micro}: 64 px, width 64, 32-token captions, 2-layer towers: the paper-claim
 *       experiments' model (width-32 text tower and embedding);</li>
 *   <li>{@code tiny}: 64 px, trains in minutes on two CPU cores;</li>
 *   <li>{@code small}: 128 px, the mid-size benchmark model;</li>
 *   <li>{@code vit-b-32}, {@code vit-b-16}, {@code vit-l-16}: open_clip's shapes at 224 px;</li>
 *   <li>open_clip's model names {@code ViT-B-32}, {@code ViT-B-32-quickgelu}, {@code ViT-B-16}, {@code ViT-L-14},
 *       {@code ViT-L-16}: the same shapes, the {@code -quickgelu} variant (OpenAI's weights) with QuickGELU.</li>
 * </ul>
 */
public final class Presets {
    /** Every preset's name. */
    public static final List<String> NAMES = List.of("micro", "tiny", "small", "vit-b-32", "vit-b-16", "vit-l-16", "ViT-B-32",
            "ViT-B-32-quickgelu", "ViT-B-16", "ViT-L-14", "ViT-L-16");
    /** The optimizer of the SuperCLIP reference runs. */
    public static final AdamW REFERENCE_ADAMW = new AdamW(0.9f, 0.98f, 1e-6f, 0.2f);

    private Presets() {
    }

    /** {@link #NAMES} as a class with a no-argument constructor: command lines list and complete presets with it. */
    public static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return NAMES.iterator();
        }
    }

    /** The preset called {@code name}, one of {@link #NAMES}. */
    public static ModelConfig get(String name) {
        return switch (name) {
            case "micro" -> model(32, vision(64, 8, 64, 2, 2), text(32, 2, 2, 32));
            case "tiny" -> model(128, vision(64, 8, 192, 4, 3), text(128, 2, 4));
            case "small" -> model(256, vision(128, 16, 384, 6, 6), text(256, 4, 6));
            case "vit-b-32", "ViT-B-32" -> model(512, vision(224, 32, 768, 12, 12), text(512, 8, 12));
            case "ViT-B-32-quickgelu" -> quickGelu(get("ViT-B-32"));
            case "vit-b-16", "ViT-B-16" -> model(512, vision(224, 16, 768, 12, 12), text(512, 8, 12));
            case "ViT-L-14" -> model(768, vision(224, 14, 1024, 24, 16), text(768, 12, 12));
            case "vit-l-16", "ViT-L-16" -> model(768, vision(224, 16, 1024, 24, 16), text(768, 12, 12));
            default -> throw new IllegalArgumentException("unknown preset '" + name + "'; presets: " + NAMES);
        };
    }

    private static ModelConfig model(int embedDim, VisionConfig vision, TextConfig text) {
        return new ModelConfig(embedDim, vision, text, Loss.SUPERCLIP, ModelConfig.DEFAULT_LAMBDA, REFERENCE_ADAMW);
    }

    /** {@code m} with QuickGELU in both towers. */
    private static ModelConfig quickGelu(ModelConfig m) {
        VisionConfig v = m.vision();
        TextConfig t = m.text();
        return model(m.embedDim(), new VisionConfig(v.imageSize(), v.patchSize(), v.width(), v.layers(), v.heads(),
                v.mlpRatio(), Activation.QUICK_GELU), new TextConfig(t.vocabSize(), t.contextLength(), t.width(),
                t.heads(), t.layers(), t.mlpRatio(), Activation.QUICK_GELU));
    }

    private static VisionConfig vision(int imageSize, int patchSize, int width, int layers, int heads) {
        return new VisionConfig(imageSize, patchSize, width, layers, heads, 4.0, Activation.GELU);
    }

    private static TextConfig text(int width, int heads, int layers) {
        return text(width, heads, layers, TextConfig.CLIP_CONTEXT_LENGTH);
    }

    private static TextConfig text(int width, int heads, int layers, int contextLength) {
        return new TextConfig(TextConfig.CLIP_VOCAB_SIZE, contextLength, width, heads, layers, 4.0, Activation.GELU);
    }
}
