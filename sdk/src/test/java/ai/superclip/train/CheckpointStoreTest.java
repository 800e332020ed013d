package ai.superclip.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.model.SuperClipModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
    @TempDir
    Path dir;

    private static CheckpointStore.Writer file(String name, String content) {
        return d -> Files.writeString(d.resolve(name), content);
    }

    @Test
    void keepsTheNewestAndFindsTheLatest() {
        CheckpointStore store = new CheckpointStore(dir, 2);
        for (long step = 10; step <= 40; step += 10) {
            store.write(step, file("state.json", "{\"step\":" + step + "}"));
        }
        List<Path> complete = store.complete();
        assertEquals(2, complete.size());
        assertEquals(40, CheckpointStore.stepOf(store.latest().orElseThrow()));
        assertEquals(30, CheckpointStore.stepOf(complete.get(1)));
    }

    @Test
    void failedWriteLeavesThePreviousCheckpointIntactAndNamesIt() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, 3);
        Path good = store.write(1, file("a.bin", "good"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> store.write(2, d -> {
            Files.writeString(d.resolve("a.bin"), "half");
            throw new IOException("No space left on device");
        }));
        assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        assertTrue(e.getMessage().contains(good.toString()), "names the last good checkpoint: " + e.getMessage());
        assertEquals(good, store.latest().orElseThrow());
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary directory left behind");
        }
    }

    @Test
    void damagedOrUnfinishedDirectoriesAreNeverTaken() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, 5);
        Path first = store.write(1, file("a.bin", "first"));
        Path second = store.write(2, file("a.bin", "second"));
        Files.writeString(second.resolve("a.bin"), "SECOND"); // same size, other bytes
        assertEquals(first, store.latest().orElseThrow());
        Files.createDirectories(dir.resolve("step-000000003")); // renamed by hand, no manifest
        Files.createDirectories(dir.resolve(".tmp-step-000000004-x")); // a crashed writer
        assertEquals(first, store.latest().orElseThrow());
        assertFalse(CheckpointStore.isComplete(dir.resolve("step-000000003")));
    }

    @Test
    void unwritableDirectoryGivesAClearError() throws IOException {
        Path file = dir.resolve("not-a-directory");
        Files.writeString(file, "x");
        CheckpointStore store = new CheckpointStore(file.resolve("checkpoints"), 1);
        CheckpointException e = assertThrows(CheckpointException.class, () -> store.write(1, file("a", "b")));
        assertTrue(e.getMessage().contains("checkpoints"), e.getMessage());
    }

    @Test
    void parameterDifferencesAreZeroForOneCheckpointAndRefusedAcrossModels() {
        ModelConfig superclip = Presets.get("micro");
        SuperClipModel.writeTrainingArtifacts(dir.resolve("a"), superclip, List.of(), Map.of(), 1);
        SuperClipModel.writeTrainingArtifacts(dir.resolve("b"), superclip, List.of(), Map.of(), 2);
        SuperClipModel.writeTrainingArtifacts(dir.resolve("clip"), superclip.withLoss(ModelConfig.Loss.CLIP), List.of(),
                Map.of(), 1);
        assertEquals(0.0, CheckpointStore.largestParameterDifference(dir.resolve("a"), dir.resolve("a")));
        assertTrue(CheckpointStore.largestParameterDifference(dir.resolve("a"), dir.resolve("b")) > 0);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> CheckpointStore.largestParameterDifference(dir.resolve("a"), dir.resolve("clip")));
        assertTrue(e.getMessage().contains(SuperClipModel.HEAD_PREFIX), e.getMessage());
    }
}
