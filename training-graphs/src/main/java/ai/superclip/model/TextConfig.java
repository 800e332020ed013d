package ai.superclip.model;

import ai.superclip.nn.Activation;

/**
 * The text tower's shape (open_clip's {@code CLIPTextCfg}): a causal transformer over {@code contextLength}
 * token ids from a vocabulary of {@code vocabSize} (both fixed by the tokenizer).
 *
 * @param vocabSize number of token ids; the end-of-text token must be the largest id in use
 * @param contextLength tokens per caption (77 for CLIP)
 * @param width token width
 * @param heads attention heads; must divide {@code width}
 * @param layers number of residual attention blocks
 * @param mlpRatio MLP hidden width over {@code width}
 * @param activation MLP activation
 */
public record TextConfig(int vocabSize, int contextLength, int width, int heads, int layers, double mlpRatio,
        Activation activation) {

    /** The CLIP BPE vocabulary's size. */
    public static final int CLIP_VOCAB_SIZE = 49_408;
    /** CLIP's context length. */
    public static final int CLIP_CONTEXT_LENGTH = 77;

    public TextConfig {
        if (vocabSize < 2 || contextLength < 2) {
            throw new IllegalArgumentException("text tower needs a vocabulary and a context of at least 2, got "
                    + vocabSize + " and " + contextLength);
        }
        ModelConfig.checkTransformer("text", width, layers, heads, mlpRatio);
    }

    /** The MLP's hidden width. */
    public int mlpWidth() {
        return (int) Math.round(width * mlpRatio);
    }
}
