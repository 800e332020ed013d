package ai.superclip.tokenization;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/**
 * The tokenizer oracles shipped as test resources under {@code reference/} (provenance in
 * {@code src/test/resources/reference/PROVENANCE.md}).
 */
final class ReferenceFiles {

    private ReferenceFiles() {}

    static Path file(String relative) {
        URL url = ReferenceFiles.class.getResource("/reference/" + relative);
        if (url == null) {
            throw new IllegalStateException("missing test resource reference/" + relative);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad test resource URL " + url, e);
        }
    }
}
