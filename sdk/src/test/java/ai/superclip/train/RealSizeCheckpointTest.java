package ai.superclip.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.artifacts.OrtCheckpoint;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.inference.Model;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.Presets;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Opt-in, full size (minutes and ~7 GB each): {@code -Dsuperclip.realSizes=true}. A preset whose state passes 2 GB
 * trains two steps, checkpoints (parameters in {@code checkpoint.data}, covered by the manifest), resumes for a third,
 * checkpoints again and exports encoders that load and embed. {@link LargeCheckpointTest} reaches the same path in
 * seconds; this one shows it at the sizes pretrained checkpoints come in.
 */
@EnabledIfSystemProperty(named = "superclip.realSizes", matches = "true")
class RealSizeCheckpointTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"vit-b-32, 16", "vit-b-16, 8"})
    void trainsCheckpointsResumesAndExports(String preset, int batch) throws Exception {
        Path out = dir.resolve(preset);
        int imageSize = Presets.get(preset).vision().imageSize();
        var data = SyntheticScenes.builder().seed(1).count(4 * batch).imageSize(imageSize).build();
        TrainingConfig.Builder config = TrainingConfig.builder(preset).batchSize(batch).checkpointEvery(0).output(out);
        try (Trainer trainer = Trainer.create(config.steps(2).build(), data)) {
            Path step2 = trainer.train().checkpoint();
            assertTrue(Files.size(step2.resolve("checkpoint.data")) > 500_000_000L, "parameters kept externally");
            CheckpointStore.verify(step2);
        }
        try (Trainer trainer = Trainer.create(config.steps(3).build(), data)) {
            TrainingResult resumed = trainer.resume(null);
            assertEquals(3, resumed.steps());
            CheckpointStore.verify(resumed.checkpoint());
            assertEquals(null, OrtCheckpoint.firstNonFiniteParameter(resumed.checkpoint().resolve("checkpoint")));
            Path encoders = trainer.exportEncoders(out.resolve("model"));
            try (Model model = Model.load(encoders)) {
                float[][] embedding = model.imageEncoder().encode(FloatBuffer.wrap(new float[3 * imageSize * imageSize]), 1);
                double norm = 0;
                for (float v : embedding[0]) {
                    norm += v * v;
                }
                assertEquals(1, norm, 1e-4);
            }
            assertTrue(Files.exists(encoders.resolve(InferenceExport.TEXT_ENCODER)));
        }
    }
}
