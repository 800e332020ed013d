package ai.superclip.train;

/**
 * Linear warm-up from 0 to the peak rate over {@code warmupSteps}, then cosine decay to {@code floor} at
 * {@code totalSteps} (open_clip's "cosine" scheduler with a floor). Steps count optimizer updates from 0.
 */
public record LearningRateSchedule(double peak, int warmupSteps, int totalSteps, double floor) {

    public LearningRateSchedule {
        if (!(peak > 0)) {
            throw new IllegalArgumentException("lr must be positive, got " + peak);
        }
        if (warmupSteps < 0 || totalSteps <= 0) {
            throw new IllegalArgumentException("warmup must be >= 0 and total steps > 0, got " + warmupSteps + ", " + totalSteps);
        }
        if (!(floor >= 0 && floor <= peak)) {
            throw new IllegalArgumentException("lr floor must lie in [0, lr], got " + floor);
        }
    }

    /** The learning rate for optimizer step {@code step} (0-based). */
    public double at(int step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        int decaySteps = Math.max(1, totalSteps - warmupSteps);
        double progress = Math.min(1.0, (step - warmupSteps) / (double) decaySteps);
        return floor + 0.5 * (1 + Math.cos(Math.PI * progress)) * (peak - floor);
    }
}
