package ai.superclip.tokenization;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the project's {@code shared/reference} folder: in an ancestor of the working directory
 * (the module directory under Surefire) or beside one (CI clones the repository next to shared/).
 */
final class SharedReference {

    private SharedReference() {}

    static Path dir() {
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("reference");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no shared/reference folder in or beside any ancestor of " + start
                + "; the reference files (clip_tokenizer_vectors.json, clip-vit-base-patch32/) are required");
    }

    static Path file(String relative) {
        Path file = dir().resolve(relative);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("missing reference file " + file);
        }
        return file;
    }
}
