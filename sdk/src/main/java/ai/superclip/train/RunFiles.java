package ai.superclip.train;

import ai.superclip.interop.PretrainedModel;
import ai.superclip.interop.PretrainedModel.IdfState;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.Presets;
import ai.superclip.model.ModelConfig;
import ai.superclip.tokenization.IdfStatistics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Reads what a run directory records: the model a checkpoint was trained with, and which checkpoint to use. */
public final class RunFiles {

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
        RunState state = RunState.read(checkpoint);
        if (state.model() == null) {
            throw new CheckpointException(checkpoint.resolve(RunState.FILE) + " records no model");
        }
        try {
            return ModelConfig.fromJson(state.model(), Presets.REFERENCE_ADAMW);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("cannot read the model of " + checkpoint.resolve(RunState.FILE) + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * The model of a checkpoint directory as a {@link PretrainedModel}, for export in open_clip or Hugging Face
     * layout: its architecture, every parameter, and its IDF statistics when they are the online (SuperCLIP) kind.
     */
    public static PretrainedModel pretrained(Path checkpoint) {
        Map<String, float[]> weights = InferenceExport.checkpointWeights(checkpoint.resolve(Trainer.ORT_CHECKPOINT));
        IdfStatistics idf = IdfStatistics.load(checkpoint.resolve(Trainer.IDF_FILE));
        IdfState state = idf.mode() == IdfStatistics.Mode.ONLINE ? new IdfState(idf.frequencies(), idf.samples()) : null;
        return new PretrainedModel(model(checkpoint), weights, state, InferenceExport.IMAGE_MEAN, InferenceExport.IMAGE_STD);
    }

    /** Whether a directory looks like a run (has checkpoints). */
    public static boolean isRun(Path dir) {
        return Files.isDirectory(dir.resolve(Trainer.CHECKPOINTS));
    }
}
