package ai.superclip.train;

import ai.superclip.model.Presets;
import ai.superclip.model.ModelConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads what a run directory records: the model a checkpoint was trained with, and which checkpoint to use. */
public final class RunFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunFiles() {
    }

    /**
     * A checkpoint directory from a user's argument: a {@code step-N} directory itself, or "latest" / a run
     * directory, meaning the newest complete checkpoint under {@code run/checkpoints}.
     */
    public static Path checkpoint(Path run, String which) {
        if (which != null && !which.equals("latest")) {
            Path p = Path.of(which);
            CheckpointStore.verify(p);
            return p;
        }
        CheckpointStore store = new CheckpointStore(run.resolve(Trainer.CHECKPOINTS), Integer.MAX_VALUE);
        return store.latest().orElseThrow(() -> new CheckpointException("no complete checkpoint under "
                + store.root()));
    }

    /** The architecture and loss recorded in a checkpoint's {@code state.json} (AdamW: the presets' reference settings). */
    public static ModelConfig model(Path checkpoint) {
        Path file = checkpoint.resolve(Trainer.STATE_FILE);
        try {
            return ModelConfig.fromJson(JSON.readTree(file.toFile()).required("model"), Presets.REFERENCE_ADAMW);
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointException("cannot read the model of " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether a directory looks like a run (has checkpoints). */
    public static boolean isRun(Path dir) {
        return Files.isDirectory(dir.resolve(Trainer.CHECKPOINTS));
    }
}
