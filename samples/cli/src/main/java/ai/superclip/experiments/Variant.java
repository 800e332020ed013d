package ai.superclip.experiments;

import ai.superclip.model.ModelConfig;
import ai.superclip.train.TrainingConfig;
import java.util.Locale;

/**
 * One training configuration of an experiment.
 *
 * @param label name in tables and plots
 * @param captions which captions the two loss terms see (synthetic scenes only)
 * @param data what it trains and is evaluated on
 */
record Variant(String label, ModelConfig.Loss loss, double lambda, TrainingConfig.IdfMode idf, int batchSize,
               int steps, Captions captions, Data data) {

    /** Which caption of each scene the contrastive and the classification term read. */
    enum Captions {
        /** Both terms the short caption. */
        SHORT,
        /** Both terms, per scene, the short or the long caption. */
        MIXED,
        /** DualCaption: the contrastive term the short caption, the classification term the long one. */
        DUAL
    }

    /** The training and evaluation data. */
    enum Data {
        /** The long-tailed synthetic scenes: TRAIN split to train, TEST split to evaluate. */
        SCENES,
        /** The emoji package's real names and images, divided 80/20 by a hash of the emoji. */
        EMOJI
    }

    /** A run on the synthetic scenes with short captions. */
    Variant(String label, ModelConfig.Loss loss, double lambda, TrainingConfig.IdfMode idf, int batchSize, int steps) {
        this(label, loss, lambda, idf, batchSize, steps, Captions.SHORT, Data.SCENES);
    }

    /** The name of its cached runs' folder: the settings, so that experiments share equal runs. */
    String key() {
        return String.format(Locale.ROOT, "%s-l%.2f-%s-b%d-s%d-%s%s", loss.name().toLowerCase(Locale.ROOT),
                loss == ModelConfig.Loss.CLIP ? 0.0 : lambda, idf.name().toLowerCase(Locale.ROOT), batchSize,
                steps, captions.name().toLowerCase(Locale.ROOT), data == Data.EMOJI ? "-emoji" : "");
    }

    boolean superclip() {
        return loss == ModelConfig.Loss.SUPERCLIP;
    }

    /** Samples seen: steps · batch. */
    long samples() {
        return (long) steps * batchSize;
    }
}
