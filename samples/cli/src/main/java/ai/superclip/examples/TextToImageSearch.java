package ai.superclip.examples;

import ai.superclip.inference.Model;
import ai.superclip.inference.Retriever;
import ai.superclip.inference.ScoredItem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Indexes a folder of images once, then answers text queries with the closest images.
 *
 * <pre>java -cp samples/cli/target/superclip.jar ai.superclip.examples.TextToImageSearch runs/demo/superclip/model photos "two red circles"</pre>
 */
public final class TextToImageSearch {
    public static void main(String[] args) throws Exception {
        List<Path> images;
        try (Stream<Path> files = Files.list(Path.of(args[1]))) {
            images = files.filter(p -> p.toString().matches(".*\\.(png|jpg|jpeg)")).sorted().toList();
        }
        try (Model model = Model.load(Path.of(args[0]))) {
            Retriever index = new Retriever(images.stream().map(Path::toString).toList(),
                    model.imageEncoder().encodeFiles(images));
            for (int q = 2; q < args.length; q++) {
                System.out.println(args[q] + ":");
                for (ScoredItem hit : index.search(model.textEncoder().encode(args[q]), 3)) {
                    System.out.printf("  %.3f  %s%n", hit.score(), hit.label());
                }
            }
        }
    }
}
