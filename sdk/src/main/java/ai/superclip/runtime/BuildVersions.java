package ai.superclip.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Versions the build wrote into {@code versions.properties} resources from the poms (Maven resource filtering), so
 * that no version is copied into code: this SDK's, and the ONNX Runtime builds it is made for.
 */
public final class BuildVersions {
    private static final Properties SDK = load(BuildVersions.class);

    /** This project's version. */
    public static final String SUPERCLIP = get(SDK, "superclip");
    /** The ONNX Runtime version the SDK is built and tested against. */
    public static final String ONNXRUNTIME = get(SDK, "onnxruntime");
    /** The bytedeco build of {@link #ONNXRUNTIME} that has the training API. */
    public static final String BYTEDECO_ONNXRUNTIME = get(SDK, "bytedeco.onnxruntime");

    private BuildVersions() {
    }

    /** The {@code versions.properties} resource in {@code owner}'s package. */
    public static Properties load(Class<?> owner) {
        Properties p = new Properties();
        try (InputStream in = owner.getResourceAsStream("versions.properties")) {
            if (in == null) {
                throw new IllegalStateException("no versions.properties beside " + owner.getName() + " (build with Maven)");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** The version named {@code key}, failing when the build left it out or unfiltered. */
    public static String get(Properties versions, String key) {
        String v = versions.getProperty(key);
        if (v == null || v.isBlank() || v.contains("${")) {
            throw new IllegalStateException("versions.properties has no filtered value for " + key + ": " + v);
        }
        return v;
    }
}
