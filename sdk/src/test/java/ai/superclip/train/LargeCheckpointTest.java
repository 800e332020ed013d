package ai.superclip.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.superclip.artifacts.AdamW;
import ai.superclip.artifacts.OrtCheckpoint;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Init;
import ai.superclip.graph.Value;
import ai.superclip.runtime.OrtRuntime;
import ai.superclip.runtime.TrainingSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The large-state path, reached cheaply: a model past {@link OrtCheckpoint#EXTERNAL_DATA_THRESHOLD} gets a first
 * checkpoint whose parameters lie in {@code checkpoint.data} (TrainingArtifacts decides by size; here the small
 * model's checkpoint is rewritten in that form), and ONNX Runtime then saves its parameters there too. Each checkpoint
 * still saves, verifies against its manifest (which covers the data file), resumes to the parameters and moments of
 * an uninterrupted run, and is read by our reader.
 */
class LargeCheckpointTest {
    @TempDir
    Path dir;

    private final OrtEnvironment env = OrtRuntime.environment();

    @Test
    void externalDataCheckpointsSaveVerifyAndResumeToTheUninterruptedRunsState() throws Exception {
        Path artifacts = dir.resolve("artifacts");
        writeArtifacts(artifacts);
        Path first = artifacts.resolve(TrainingArtifacts.CHECKPOINT);
        OrtCheckpoint.read(first).write(first, true);
        assertTrue(Trainer.momentsFit(first));

        CheckpointStore store = new CheckpointStore(dir.resolve("checkpoints"), 2);
        Path uninterrupted = dir.resolve("uninterrupted");
        Files.createDirectories(uninterrupted);
        Path saved;
        try (TrainingSession a = open(first, artifacts)) {
            step(a, 1f);
            saved = store.write(1, d -> Trainer.saveOrtCheckpoint(a, d, 1, true));
            step(a, 0.5f);
            Trainer.saveOrtCheckpoint(a, uninterrupted, 2, true);
        }

        try (Stream<Path> files = Files.list(saved)) {
            assertEquals(List.of(CheckpointStore.MANIFEST, "checkpoint", "checkpoint.data"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        Map<?, ?> manifest = new ObjectMapper().readValue(saved.resolve(CheckpointStore.MANIFEST).toFile(), Map.class);
        assertNotNull(manifest.get("checkpoint.data"), "the manifest covers the external data");
        CheckpointStore.verify(saved);
        OrtCheckpoint atStep1 = OrtCheckpoint.read(saved.resolve("checkpoint"));
        assertEquals(1, atStep1.optimizer().step());
        long parameterBytes = 4L * Stream.concat(atStep1.trainable().stream(), atStep1.frozen().stream())
                .mapToLong(t -> t.values().length).sum();
        assertEquals(parameterBytes,
                Files.size(saved.resolve("checkpoint.data")), "ORT keeps the parameters, all of them, in the data file");

        Path resumed = dir.resolve("resumed");
        Files.createDirectories(resumed);
        Path parametersOnly = dir.resolve("parameters-only");
        Files.createDirectories(parametersOnly);
        try (TrainingSession b = open(saved.resolve("checkpoint"), artifacts)) {
            step(b, 0.5f);
            Trainer.saveOrtCheckpoint(b, resumed, 2, true);
            Trainer.saveOrtCheckpoint(b, parametersOnly, 2, false); // what models with moments past 2 GiB get
        }
        OrtCheckpoint atStep2 = OrtCheckpoint.read(resumed.resolve("checkpoint"));
        assertEquals(OrtCheckpoint.read(uninterrupted.resolve("checkpoint")), atStep2,
                "parameters and moments after resuming");
        OrtCheckpoint withoutMoments = OrtCheckpoint.read(parametersOnly.resolve("checkpoint"));
        assertNull(withoutMoments.optimizer());
        assertEquals(atStep2.trainable(), withoutMoments.trainable());
        try (TrainingSession c = open(parametersOnly.resolve("checkpoint"), artifacts)) {
            step(c, 0.5f); // resumes, the moments starting afresh
        }

        Path data = saved.resolve("checkpoint.data");
        byte[] bytes = Files.readAllBytes(data);
        bytes[bytes.length / 2] ^= 1;
        Files.write(data, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointStore.verify(saved));
        assertTrue(e.getMessage().contains("checkpoint.data"), e.getMessage());
    }

    /** Two trainable vectors and a frozen one; the loss mean(p0² x) + mean(p1 f x). */
    private static void writeArtifacts(Path artifacts) {
        Graph g = new Graph();
        Value x = g.input("x", DType.FLOAT, 1);
        Value p0 = g.parameter("p0", Init.normal(1), 1000);
        Value p1 = g.parameter("p1", Init.normal(1), 3000);
        Value f = g.parameter("f", Init.normal(1), 3000);
        g.freeze("f");
        Value loss = p0.mul(p0).mul(x).mean(false, 0).add(p1.mul(f).mul(x).mean(false, 0));
        TrainingArtifacts.write(artifacts, loss, List.of(x), Map.of(), AdamW.defaults(), Map.of(), 7);
    }

    private static TrainingSession open(Path checkpoint, Path artifacts) throws OrtException {
        return TrainingSession.open(checkpoint, artifacts.resolve(TrainingArtifacts.TRAINING_MODEL),
                artifacts.resolve(TrainingArtifacts.EVAL_MODEL), artifacts.resolve(TrainingArtifacts.OPTIMIZER_MODEL),
                TrainingSession.Options.DEFAULT);
    }

    private void step(TrainingSession session, float x) throws OrtException {
        try (OnnxTensor input = OnnxTensor.createTensor(env, new float[] {x});
                OnnxTensor scale = OnnxTensor.createTensor(env, new float[] {1f})) {
            session.trainStep(Map.of("x", input, TrainingArtifacts.GRADIENT_SCALE_INPUT, scale)).close();
        }
        session.optimizerStep();
        session.lazyResetGrad();
    }
}
