package ai.superclip.train;

/** A checkpoint could not be written, found or read; the message names the directory or file. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
