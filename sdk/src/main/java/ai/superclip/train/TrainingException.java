package ai.superclip.train;

/** Training cannot go on: the message names the step and, where one exists, the last good checkpoint. */
public class TrainingException extends RuntimeException {
    public TrainingException(String message) {
        super(message);
    }

    public TrainingException(String message, Throwable cause) {
        super(message, cause);
    }
}
