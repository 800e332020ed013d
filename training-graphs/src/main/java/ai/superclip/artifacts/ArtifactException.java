package ai.superclip.artifacts;

/** A training artifact (checkpoint, model file) could not be read or written, or its content is invalid. */
public class ArtifactException extends RuntimeException {

    public ArtifactException(String message) {
        super(message);
    }

    public ArtifactException(String message, Throwable cause) {
        super(message, cause);
    }
}
