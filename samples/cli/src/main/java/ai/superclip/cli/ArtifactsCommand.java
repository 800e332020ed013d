package ai.superclip.cli;

import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.ModelCost;
import ai.superclip.model.Presets;
import ai.superclip.model.SuperClipModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code superclip artifacts}: the four ONNX Runtime training artifacts of a preset. */
@Command(name = "artifacts", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Write training_model.onnx, eval_model.onnx, optimizer_model.onnx and checkpoint for a model.")
final class ArtifactsCommand implements Callable<Integer> {
    @Option(names = "--model", completionCandidates = Presets.Names.class,
            description = "Preset: ${COMPLETION-CANDIDATES}")
    String model = "tiny";

    @Option(names = "--loss", description = "clip or superclip")
    String loss = "superclip";

    @Option(names = "--lock-image", description = "Freeze the image tower")
    boolean lockImage;

    @Option(names = "--grad-checkpointing", description = "The training model recomputes each transformer block in its"
            + " backward pass instead of keeping its activations")
    boolean gradCheckpointing;

    @Option(names = "--seed", description = "Seed of the initial weights")
    long seed = 0;

    @Option(names = "--out", description = "Output directory")
    Path out = Path.of("runs", "artifacts");

    @Override
    public Integer call() {
        ModelConfig config = Presets.get(model).withLoss(ModelConfig.Loss.valueOf(loss.toUpperCase(Locale.ROOT)));
        long start = System.nanoTime();
        TrainingArtifacts.Layout layout = SuperClipModel.writeTrainingArtifacts(out, config,
                lockImage ? List.of(SuperClipModel.VISION_PREFIX) : List.of(), Map.of(), seed, gradCheckpointing);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "wrote %s training artifacts to %s in %.2f s%n", model, out, seconds);
        System.out.printf(Locale.ROOT, "inputs %s, outputs %s, %d trainable and %d frozen parameters%n",
                layout.userInputs(), layout.outputs(), layout.trainable().size(), layout.frozen().size());
        System.out.println(ModelCost.of(config));
        return 0;
    }
}
