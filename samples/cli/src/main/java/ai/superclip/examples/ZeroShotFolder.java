package ai.superclip.examples;

import ai.superclip.inference.Model;
import ai.superclip.inference.ScoredItem;
import ai.superclip.inference.ZeroShotClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Classifies every image of a folder against class names with an exported model.
 *
 * <pre>java -cp samples/cli/target/superclip.jar ai.superclip.examples.ZeroShotFolder runs/demo/superclip/model photos circle,square,star</pre>
 */
public final class ZeroShotFolder {
    public static void main(String[] args) throws Exception {
        List<Path> images;
        try (Stream<Path> files = Files.list(Path.of(args[1]))) {
            images = files.filter(p -> p.toString().matches(".*\\.(png|jpg|jpeg)")).sorted().toList();
        }
        try (Model model = Model.load(Path.of(args[0]))) {
            ZeroShotClassifier classifier = model.zeroShot(List.of(args[2].split(",")), List.of("a photo of a {}."));
            float[][] embeddings = model.imageEncoder().encodeFiles(images);
            for (int i = 0; i < images.size(); i++) {
                ScoredItem best = classifier.classify(embeddings[i], 1).get(0);
                System.out.printf("%s -> %s (%.1f)%n", images.get(i).getFileName(), best.label(), best.score());
            }
        }
    }
}
