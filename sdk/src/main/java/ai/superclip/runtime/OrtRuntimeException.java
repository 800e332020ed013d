package ai.superclip.runtime;

/**
 * The training-enabled ONNX Runtime could not be set up: a missing or mismatched native jar, an
 * unsupported platform, or a cache directory that could not be written. The message says what to
 * change.
 */
public final class OrtRuntimeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OrtRuntimeException(String message) {
        super(message);
    }

    public OrtRuntimeException(String message, Throwable cause) {
        super(message, cause);
    }
}
