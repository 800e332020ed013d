package ai.superclip.interop;

/** A checkpoint file or configuration that cannot be read or mapped; the message names the file and the tensor. */
public class InteropException extends RuntimeException {
    public InteropException(String message) {
        super(message);
    }

    public InteropException(String message, Throwable cause) {
        super(message, cause);
    }
}
