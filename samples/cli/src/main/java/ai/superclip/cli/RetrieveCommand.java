package ai.superclip.cli;

import ai.superclip.inference.Model;
import ai.superclip.inference.Retriever;
import ai.superclip.inference.ScoredItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code superclip retrieve}: the images of a folder closest to a text, or the texts closest to an image. */
@Command(name = "retrieve", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Search a folder of images by text, or rank texts for an image.")
final class RetrieveCommand implements Callable<Integer> {
    @Option(names = "--model-dir", description = "Exported encoders (demo writes them here, train to <out>/model)")
    Path modelDir = DemoCommand.MODEL;

    @Option(names = "--images", required = true, description = "Folder of images (.png, .jpg, .jpeg, .gif, .bmp)")
    Path images;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Query query;

    static final class Query {
        @Option(names = "--text", description = "Find the images matching this text")
        String text;

        @Option(names = "--image", description = "Rank the captions (sidecar .txt files of --images) for this image")
        Path image;
    }

    @Option(names = "--top-k", description = "Results to print")
    int topK = 5;

    @Override
    public Integer call() throws Exception {
        List<Path> files = imageFiles(images);
        try (Model model = Model.load(modelDir)) {
            if (query.text != null) {
                Retriever index = new Retriever(files.stream().map(Path::toString).toList(),
                        model.imageEncoder().encodeFiles(files));
                print(index.search(model.textEncoder().encode(query.text), topK));
            } else {
                List<Path> captioned = files.stream().filter(f -> Files.exists(sidecar(f))).toList();
                if (captioned.isEmpty()) {
                    throw new IllegalArgumentException("no image in " + images + " has a sidecar .txt caption");
                }
                List<String> captions = captioned.stream().map(RetrieveCommand::read).toList();
                Retriever index = new Retriever(captions, model.textEncoder().encode(captions));
                print(index.search(model.imageEncoder().encodeFiles(List.of(query.image))[0], topK));
            }
        }
        return 0;
    }

    private static void print(List<ScoredItem> hits) {
        for (ScoredItem hit : hits) {
            System.out.printf(Locale.ROOT, "%.4f  %s%n", hit.score(), hit.label());
        }
    }

    static List<Path> imageFiles(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("not a folder: " + folder);
        }
        try (Stream<Path> s = Files.list(folder)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT)
                    .matches(".*\\.(png|jpe?g|gif|bmp)")).sorted().toList();
            if (files.isEmpty()) {
                throw new IllegalArgumentException("no image files in " + folder);
            }
            return files;
        }
    }

    private static Path sidecar(Path image) {
        String name = image.getFileName().toString();
        return image.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".txt");
    }

    private static String read(Path image) {
        try {
            return Files.readString(sidecar(image)).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + sidecar(image) + ": " + e.getMessage(), e);
        }
    }
}
