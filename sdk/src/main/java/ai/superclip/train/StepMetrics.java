package ai.superclip.train;

/**
 * What one optimizer step reports.
 *
 * @param step the step just completed (1-based)
 * @param loss the total loss, averaged over the step's micro-batches
 * @param clipLoss the contrastive term
 * @param clsLoss the classification term (NaN when training plain CLIP)
 * @param scale the contrastive temperature exp(logit_scale) in use, logit_scale within [0, ln 100]
 * @param learningRate the rate this step used
 * @param samplesPerSecond throughput of this step, data loading included
 * @param skipped whether the step was skipped for a non-finite loss
 * @param skippedTotal steps skipped so far
 */
public record StepMetrics(long step, long totalSteps, double loss, double clipLoss, double clsLoss, double scale,
        double learningRate, double samplesPerSecond, boolean skipped, long skippedTotal) {
}
