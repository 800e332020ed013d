package ai.superclip.tokenization;

/**
 * The one exception type of this module for bad data: a missing or malformed tokenizer or
 * statistics file, a null caption, an id outside the vocabulary. Messages name the file or the batch
 * index involved. (Misuse of the API itself, such as a too small output buffer, is an
 * {@link IllegalArgumentException}.)
 */
public class TokenizationException extends RuntimeException {

    public TokenizationException(String message) {
        super(message);
    }

    public TokenizationException(String message, Throwable cause) {
        super(message, cause);
    }
}
