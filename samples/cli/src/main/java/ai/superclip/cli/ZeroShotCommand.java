package ai.superclip.cli;

import ai.superclip.inference.Model;
import ai.superclip.inference.ScoredItem;
import ai.superclip.inference.ZeroShotClassifier;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code superclip zeroshot}: classify image files against given labels. */
@Command(name = "zeroshot", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Classify image files against class names with an exported model (CLIP's zero-shot protocol).")
final class ZeroShotCommand implements Callable<Integer> {
    @Option(names = "--model-dir", description = "Exported encoders (demo writes them here, train to <out>/model)")
    Path modelDir = DemoCommand.MODEL;

    @Option(names = "--labels", split = ",", required = true, description = "Class names, comma-separated")
    List<String> labels;

    @Option(names = "--template", description = "Prompt template(s); {} is the class name")
    List<String> templates = List.of("a photo of a {}.");

    @Option(names = "--top-k", description = "Classes to print per image")
    int topK = 3;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files")
    List<Path> images;

    @Override
    public Integer call() throws Exception {
        try (Model model = Model.load(modelDir)) {
            ZeroShotClassifier classifier = model.zeroShot(labels, templates);
            float[][] embeddings = model.imageEncoder().encodeFiles(images);
            for (int i = 0; i < images.size(); i++) {
                List<ScoredItem> top = classifier.classify(embeddings[i], topK);
                System.out.println(images.get(i) + ": " + String.join(", ", top.stream()
                        .map(s -> String.format(Locale.ROOT, "%s (%.2f)", s.label(), s.score())).toList()));
            }
        }
        return 0;
    }
}
