package ai.superclip.experiments;

import ai.superclip.model.ModelConfig;
import ai.superclip.train.TrainingConfig;
import java.util.Locale;

/**
 * One training configuration of an experiment.
 *
 * @param label name in tables and plots
 */
record Variant(String label, ModelConfig.Loss loss, double lambda, TrainingConfig.IdfMode idf, int batchSize,
               int steps, boolean longCaptions) {

    /** The name of its cached runs' folder: the settings, so that experiments share equal runs. */
    String key() {
        return String.format(Locale.ROOT, "%s-l%.2f-%s-b%d-s%d-%s", loss.name().toLowerCase(Locale.ROOT),
                loss == ModelConfig.Loss.CLIP ? 0.0 : lambda, idf.name().toLowerCase(Locale.ROOT), batchSize,
                steps, longCaptions ? "long" : "short");
    }

    boolean superclip() {
        return loss == ModelConfig.Loss.SUPERCLIP;
    }
}
