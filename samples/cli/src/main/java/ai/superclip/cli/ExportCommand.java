package ai.superclip.cli;

import ai.superclip.inference.Model;
import ai.superclip.interop.PretrainedModel;
import ai.superclip.model.Int8Quantization;
import ai.superclip.train.RunFiles;
import ai.superclip.train.Trainer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code superclip export}: inference encoders, or open_clip / Hugging Face weights, from a checkpoint. */
@Command(name = "export", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Write image_encoder.onnx and text_encoder.onnx (stock ONNX Runtime) from a training checkpoint"
                + " or a pretrained open_clip / Hugging Face / SuperCLIP checkpoint; or, with --format open_clip|hf,"
                + " the weights and configs PyTorch loads.")
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--run", description = "Run directory (as given to train --out)")
    Path run = Path.of("runs", "train");

    @Option(names = "--checkpoint", description = "A checkpoint directory, or 'latest' in --run")
    String checkpoint = "latest";

    @Option(names = "--pretrained", description = "A pretrained checkpoint (safetensors file or directory) instead of a run")
    Path pretrained;

    @Option(names = "--format", description = "onnx (encoders), open_clip or hf")
    String format = "onnx";

    @Option(names = "--no-head", description = "With --format open_clip: leave out the SuperCLIP head and IDF buffers"
            + " (plain open_clip loads the file strictly)")
    boolean noHead;

    @Option(names = "--quantize", description = "none or int8: with --format onnx, dynamic int8 linear layers"
            + " (per-channel weights, about a quarter of the float size)")
    String quantize = "none";

    @Option(names = "--out", description = "Where to write the encoders or weights")
    Path out = Path.of("runs", "train", "model");

    @Override
    public Integer call() {
        if (!quantize.equals("none") && !(quantize.equals("int8") && format.equals("onnx"))) {
            throw new ParameterException(spec.commandLine(), "--quantize takes none or int8, and int8 needs --format onnx"
                    + " (got --quantize " + quantize + " --format " + format + ")");
        }
        Path source = pretrained != null ? pretrained : RunFiles.checkpoint(run, checkpoint);
        if (format.equals("onnx")) {
            if (pretrained != null) {
                PretrainedModel.load(pretrained).exportEncoders(out, Model.CLIP_TOKENIZER);
            } else {
                Trainer.exportEncoders(RunFiles.model(source), source, out);
            }
            if (quantize.equals("int8")) {
                Int8Quantization.quantizeEncoders(out);
            }
        } else {
            PretrainedModel model = pretrained != null ? PretrainedModel.load(pretrained)
                    : RunFiles.pretrained(source);
            (noHead ? model.withoutHead() : model).save(out, PretrainedModel.Format.parse(format));
        }
        System.out.println("exported " + source + " to " + out + " (" + format
                + (quantize.equals("int8") ? ", int8" : "") + ")");
        return 0;
    }
}
