package ai.superclip.cli;

import ai.superclip.train.RunFiles;
import ai.superclip.train.Trainer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code superclip export}: inference encoders from a checkpoint. */
@Command(name = "export", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Write image_encoder.onnx and text_encoder.onnx (stock ONNX Runtime) from a training checkpoint.")
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--run", description = "Run directory (as given to train --out)")
    Path run = Path.of("runs", "train");

    @Option(names = "--checkpoint", description = "A checkpoint directory, or 'latest' in --run")
    String checkpoint = "latest";

    @Option(names = "--out", description = "Where to write the encoders")
    Path out = Path.of("runs", "train", "model");

    @Override
    public Integer call() {
        Path dir = RunFiles.checkpoint(run, checkpoint);
        Trainer.exportEncoders(RunFiles.model(dir), dir, out);
        System.out.println("exported " + dir + " to " + out);
        return 0;
    }
}
