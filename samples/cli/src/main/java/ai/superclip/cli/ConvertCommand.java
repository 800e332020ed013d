package ai.superclip.cli;

import ai.superclip.interop.PretrainedModel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code superclip convert}: a pretrained checkpoint from one layout to another, without a training run. */
@Command(name = "convert", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Convert a checkpoint between the open_clip (SuperCLIP) and Hugging Face CLIPModel layouts;"
                + " the input's layout is recognised from its tensor names.")
final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, description = "Input checkpoint: safetensors file or directory")
    Path in;

    @Option(names = "--to", required = true, description = "open_clip or hf")
    String to;

    @Option(names = "--out", required = true, description = "Output directory")
    Path out;

    @Override
    public Integer call() {
        PretrainedModel.load(in).save(out, PretrainedModel.Format.parse(to));
        System.out.println("converted " + in + " to " + out + " (" + to + ")");
        return 0;
    }
}
