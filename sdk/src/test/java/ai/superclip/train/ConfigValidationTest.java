package ai.superclip.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.artifacts.AdamW;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.model.TextConfig;
import ai.superclip.model.VisionConfig;
import ai.superclip.nn.Activation;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every impossible setting fails at start with a message naming the setting. */
class ConfigValidationTest {
    private static final Path OUT = Path.of("target", "never-written");

    private static void names(String setting, Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build, setting);
        assertTrue(e.getMessage().toLowerCase().contains(setting), "'" + e.getMessage() + "' names " + setting);
    }

    private static void training(String setting, UnaryOperator<TrainingConfig.Builder> change) {
        names(setting, () -> change.apply(TrainingConfig.builder("tiny").output(OUT)).build());
    }

    @Test
    void trainingSettings() {
        training("batch size", b -> b.batchSize(0));
        training("batch size", b -> b.batchSize(1));
        training("accumulation", b -> b.accumulation(0));
        training("steps", b -> b.steps(0));
        training("learning rate", b -> b.learningRate(-1e-3));
        training("learning rate", b -> b.learningRate(0));
        training("learning rate", b -> b.learningRate(Double.NaN));
        training("learning rate", b -> b.learningRate(Double.POSITIVE_INFINITY));
        training("warm-up", b -> b.warmupSteps(-1));
        training("learning-rate floor", b -> b.learningRateFloor(1));
        training("threads", b -> b.threads(-2));
        training("checkpoint interval", b -> b.checkpointEvery(-1));
        training("keep-checkpoints", b -> b.keepCheckpoints(0));
        training("max bad steps", b -> b.maxBadStepsInARow(0));
        training("log interval", b -> b.logEvery(0));
        training("device", b -> b.device("tpu"));
        training("output", b -> b.output(null));
        training("model", b -> b.model(null));
    }

    @Test
    void modelSettings() {
        names("patch size", () -> new VisionConfig(30, 16, 192, 4, 3, 4.0, Activation.GELU));
        names("image size", () -> new VisionConfig(0, 16, 192, 4, 3, 4.0, Activation.GELU));
        names("heads", () -> new VisionConfig(64, 8, 100, 4, 3, 4.0, Activation.GELU));
        names("context", () -> new TextConfig(49_408, 1, 128, 2, 4, 4.0, Activation.GELU));
        names("vocabulary", () -> new TextConfig(1, 77, 128, 2, 4, 4.0, Activation.GELU));
        names("heads", () -> new TextConfig(49_408, 77, 128, 3, 4, 4.0, Activation.GELU));
        ModelConfig tiny = Presets.get("tiny");
        names("embedding width", () -> new ModelConfig(0, tiny.vision(), tiny.text(), tiny.loss(), 1, tiny.adamW()));
        names("lambda", () -> new ModelConfig(128, tiny.vision(), tiny.text(), tiny.loss(), -1, tiny.adamW()));
        names("lambda", () -> new ModelConfig(128, tiny.vision(), tiny.text(), tiny.loss(), Double.NaN, tiny.adamW()));
        names("betas", () -> new AdamW(1f, 0.98f, 1e-6f, 0.2f));
        names("epsilon", () -> new AdamW(0.9f, 0.98f, 0f, 0.2f));
        names("weight decay", () -> new AdamW(0.9f, 0.98f, 1e-6f, -0.1f));
        names("gradient norm", () -> new AdamW(0.9f, 0.98f, 1e-6f, 0.2f, -1f));
    }

    @Test
    void aDatasetSmallerThanOneBatchIsNamed() {
        TrainingConfig config = TrainingConfig.builder("tiny").batchSize(16).output(OUT).build();
        SyntheticScenes eight = SyntheticScenes.builder().count(8).build();
        names("fewer than one batch", () -> Trainer.create(config, eight));
    }
}
