package ai.superclip.tokenization;

import java.util.Objects;

/**
 * The tokens that frame every encoded caption: {@code start} first, {@code end} after the text,
 * {@code pad} filling the rest of the context. Each must be a vocabulary entry or an added token
 * of the tokenizer file.
 */
public record SpecialTokens(String start, String end, String pad) {

    /**
     * OpenAI CLIP: {@code <|startoftext|>} (49406), {@code <|endoftext|>} (49407), and padding
     * with id 0, which is the vocabulary entry {@code "!"}.
     */
    public static final SpecialTokens CLIP = new SpecialTokens("<|startoftext|>", "<|endoftext|>", "!");

    public SpecialTokens {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(pad, "pad");
    }
}
