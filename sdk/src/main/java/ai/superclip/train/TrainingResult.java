package ai.superclip.train;

import java.nio.file.Path;

/**
 * How a run ended.
 *
 * @param steps optimizer steps completed, counting from the first run when resumed
 * @param seconds wall time of this run (since start or resume)
 * @param finalLoss the loss of the last step
 * @param skippedSteps steps skipped for non-finite losses
 * @param checkpoint the last checkpoint written
 */
public record TrainingResult(long steps, double seconds, double finalLoss, long skippedSteps, Path checkpoint) {
}
