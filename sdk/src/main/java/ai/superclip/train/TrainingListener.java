package ai.superclip.train;

import java.nio.file.Path;
import java.util.Map;

/** Hooks into a training run; every method has a no-op default. Called on the training thread. */
public interface TrainingListener {

    /** Before the first step; {@code startStep} is above 0 when resuming. */
    default void onStart(TrainingConfig config, long startStep) {
    }

    /** After each optimizer step (or skipped step). */
    default void onStep(StepMetrics metrics) {
    }

    /** After a checkpoint has been written completely. */
    default void onCheckpoint(long step, Path checkpoint) {
    }

    /** After a validation pass, with its metrics by name. */
    default void onValidation(long step, Map<String, Double> metrics) {
    }

    /** When the run ends normally. */
    default void onFinish(TrainingResult result) {
    }
}
