package ai.superclip.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ONNX Runtime with its training API: the official {@code ai.onnxruntime} Java API running over
 * the training-enabled native library of {@code org.bytedeco:onnxruntime}.
 *
 * <p>On first use, the official JNI library and bytedeco's {@code libonnxruntime.so.1} (renamed
 * {@code libonnxruntime.so}, with any execution-provider libraries beside it) are copied from the
 * classpath into a versioned cache directory, {@code ~/.cache/superclip/onnxruntime/} or the
 * directory in the system property {@value #CACHE_PROPERTY}, and {@value #NATIVE_PATH_PROPERTY}
 * is pointed at it. A directory the user already set in {@value #NATIVE_PATH_PROPERTY} is used as
 * is. Call {@link #environment()} before any other use of {@code ai.onnxruntime}: the natives are
 * loaded once per JVM, by whichever class touches them first.
 */
public final class OrtRuntime {
    /** The system property the official API reads its native-library directory from. */
    public static final String NATIVE_PATH_PROPERTY = "onnxruntime.native.path";
    /** The system property that overrides the root of the extraction cache. */
    public static final String CACHE_PROPERTY = "superclip.native.cache";

    /** The ONNX Runtime version this SDK is built and tested against. */
    static final String ORT_VERSION = BuildVersions.ONNXRUNTIME;
    /** The bytedeco build of {@link #ORT_VERSION} that has the training API. */
    static final String BYTEDECO_VERSION = BuildVersions.BYTEDECO_ONNXRUNTIME;

    /** Written last into a cache directory: one "sha256 size name" line per library. */
    static final String MARKER = "checksums.sha256";

    private static final String JNI_RESOURCE = "ai/onnxruntime/native/linux-x64/libonnxruntime4j_jni.so";
    private static final String JNI_FILE = "libonnxruntime4j_jni.so";
    /** Read rather than the jar manifest, which a shaded (fat) jar replaces with its own. */
    private static final List<String> ORT_POMS = List.of("META-INF/maven/com.microsoft.onnxruntime/onnxruntime/pom.xml",
            "META-INF/maven/com.microsoft.onnxruntime/onnxruntime_gpu/pom.xml");
    private static final Pattern POM_VERSION =
            Pattern.compile("<artifactId>onnxruntime(?:_gpu)?</artifactId>\\s*<version>([^<]+)</version>");
    private static final String BYTEDECO_POM = "META-INF/maven/org.bytedeco/onnxruntime/pom.properties";
    /** Bytedeco classifiers, preferred first; each jar keeps its libraries in a folder so named. */
    private static final List<String> CLASSIFIERS = List.of("linux-x86_64-gpu", "linux-x86_64");
    private static final String TRAINING_LIBRARY = "libonnxruntime.so.1";
    /** The name the official loader looks for in {@value #NATIVE_PATH_PROPERTY}. */
    private static final String TRAINING_LIBRARY_FILE = "libonnxruntime.so";
    /** Copied along, under their own names, when the bytedeco folder has them (the GPU jar). */
    private static final List<String> PROVIDER_LIBRARIES =
            List.of("libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so");

    private static final String POM_DEPENDENCIES = "  <dependency>\n"
            + "    <groupId>com.microsoft.onnxruntime</groupId>\n"
            + "    <artifactId>onnxruntime</artifactId>\n"
            + "    <version>" + ORT_VERSION + "</version>\n"
            + "  </dependency>\n"
            + "  <dependency>\n"
            + "    <groupId>org.bytedeco</groupId>\n"
            + "    <artifactId>onnxruntime</artifactId>\n"
            + "    <version>" + BYTEDECO_VERSION + "</version>\n"
            + "    <classifier>linux-x86_64</classifier> <!-- or linux-x86_64-gpu for CUDA 13 -->\n"
            + "    <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>\n"
            + "  </dependency>";

    /** One library to extract: its file name in the cache directory and where it comes from. */
    record NativeFile(String name, URL source) {}

    private record Loaded(OrtEnvironment environment, Path directory) {}

    private static Loaded loaded;

    private OrtRuntime() {}

    /**
     * The training-enabled ONNX Runtime environment, set up on the first call.
     *
     * @throws OrtRuntimeException if the native libraries are missing, mismatched or cannot be
     *     extracted, or the loaded library has no training API
     */
    public static OrtEnvironment environment() {
        return load().environment();
    }

    /** The version the loaded native ONNX Runtime reports. */
    public static String version() {
        return environment().getVersion();
    }

    /** The directory the native libraries are loaded from. */
    public static Path nativeDirectory() {
        return load().directory();
    }

    private static synchronized Loaded load() {
        if (loaded != null) {
            return loaded;
        }
        String userDirectory = System.getProperty(NATIVE_PATH_PROPERTY);
        Path directory = userDirectory != null ? Path.of(userDirectory) : extractNatives();
        System.setProperty(NATIVE_PATH_PROPERTY, directory.toString());
        OrtEnvironment environment;
        try {
            environment = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "superclip");
        } catch (LinkageError e) {
            throw new OrtRuntimeException("Could not load ONNX Runtime from " + directory, e);
        }
        if (!environment.isTrainingEnabled()) {
            throw new OrtRuntimeException("The ONNX Runtime loaded from " + directory
                    + " has no training API. Either -D" + NATIVE_PATH_PROPERTY
                    + " points at a stock ONNX Runtime, or ai.onnxruntime was used before"
                    + " OrtRuntime.environment(): call OrtRuntime.environment() first.");
        }
        loaded = new Loaded(environment, directory);
        return loaded;
    }

    /** Finds both libraries on the classpath, checks their versions, and extracts them. */
    private static Path extractNatives() {
        checkPlatform(System.getProperty("os.name"), System.getProperty("os.arch"));
        URL jni = resource(JNI_RESOURCE);
        if (jni == null) {
            throw new OrtRuntimeException(
                    JNI_RESOURCE + " is not on the classpath. Add to your pom:\n" + POM_DEPENDENCIES);
        }
        String folder = CLASSIFIERS.stream()
                .map(classifier -> "org/bytedeco/onnxruntime/" + classifier + "/")
                .filter(candidate -> resource(candidate + TRAINING_LIBRARY) != null)
                .findFirst()
                .orElseThrow(() -> new OrtRuntimeException("The training-enabled ONNX Runtime"
                        + " (org/bytedeco/onnxruntime/{" + String.join(",", CLASSIFIERS) + "}/" + TRAINING_LIBRARY
                        + ") is not on the classpath. Add to your pom:\n" + POM_DEPENDENCIES));
        URL library = resource(folder + TRAINING_LIBRARY);
        String ortVersion = ORT_POMS.stream()
                .map(pom -> read(sibling(jni, JNI_RESOURCE, pom), in -> {
                    Matcher m = POM_VERSION.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    return m.find() ? m.group(1) : null;
                }))
                .filter(v -> v != null).findFirst().orElse(null);
        String bytedecoVersion = read(sibling(library, folder + TRAINING_LIBRARY, BYTEDECO_POM), in -> {
            Properties pom = new Properties();
            pom.load(in);
            return pom.getProperty("version");
        });
        checkVersions(ortVersion, bytedecoVersion);

        List<NativeFile> files = new ArrayList<>();
        files.add(new NativeFile(JNI_FILE, jni));
        files.add(new NativeFile(TRAINING_LIBRARY_FILE, library));
        for (String provider : PROVIDER_LIBRARIES) {
            URL url = resource(folder + provider);
            if (url != null) {
                files.add(new NativeFile(provider, url));
            }
        }
        return extract(cacheRoot(), ortVersion + "-" + bytedecoVersion, files);
    }

    /** Fails unless the platform is Linux x86_64, the only one wired so far. */
    static void checkPlatform(String osName, String osArch) {
        String os = String.valueOf(osName).toLowerCase(Locale.ROOT);
        String arch = String.valueOf(osArch).toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new OrtRuntimeException("Unsupported platform " + osName + " / " + osArch
                    + ": the training-enabled ONNX Runtime is only set up for Linux x86_64. Elsewhere, point -D"
                    + NATIVE_PATH_PROPERTY + " at a directory holding a training-enabled libonnxruntime and the"
                    + " matching onnxruntime4j_jni library.");
        }
    }

    /**
     * Fails unless the bytedeco version (e.g. {@code 1.24.1-1.5.13}) packages the same ONNX Runtime
     * as the official jar (e.g. {@code 1.24.1}); a null version means it could not be read.
     */
    static void checkVersions(String ortVersion, String bytedecoVersion) {
        String bytedecoOrt = bytedecoVersion == null ? null : bytedecoVersion.split("-", 2)[0];
        if (ortVersion == null || !ortVersion.equals(bytedecoOrt)) {
            String official = ortVersion == null ? "unknown" : ortVersion;
            String bytedeco = bytedecoVersion == null
                    ? "unknown"
                    : bytedecoVersion + " (ONNX Runtime " + bytedecoOrt + ")";
            throw new OrtRuntimeException("ONNX Runtime versions do not match: com.microsoft.onnxruntime:onnxruntime"
                    + " is " + official + " but org.bytedeco:onnxruntime is " + bytedeco
                    + ". Both must package the same ONNX Runtime; use in your pom:\n" + POM_DEPENDENCIES);
        }
    }

    /**
     * Copies {@code files} into {@code root/<versionTag>-<checksum prefix>/} unless a complete copy
     * is already there, and returns that directory. Safe when several threads or processes race:
     * each copies into its own staging directory and renames it into place atomically.
     */
    static Path extract(Path root, String versionTag, List<NativeFile> files) {
        try {
            StringBuilder marker = new StringBuilder();
            for (NativeFile file : files) {
                marker.append(checksumLine(file)).append('\n');
            }
            String checksums = marker.toString();
            String prefix = LocalFiles.sha256(checksums.getBytes(StandardCharsets.UTF_8)).substring(0, 12);
            Path target = root.resolve(versionTag + "-" + prefix);
            if (isComplete(target, checksums)) {
                return target;
            }
            Files.createDirectories(root);
            Path staging = Files.createTempDirectory(root, ".staging-");
            try {
                for (NativeFile file : files) {
                    try (InputStream in = file.source().openStream()) {
                        Files.copy(in, staging.resolve(file.name()));
                    }
                }
                Files.writeString(staging.resolve(MARKER), checksums);
                if (!isComplete(staging, checksums)) {
                    throw new IOException("the copy in " + staging + " does not match its sources");
                }
                install(staging, target, checksums);
            } finally {
                LocalFiles.deleteTree(staging);
            }
            return target;
        } catch (IOException e) {
            throw new OrtRuntimeException("Could not extract the ONNX Runtime native libraries into " + root
                    + "; set -D" + CACHE_PROPERTY + " to a writable directory", e);
        }
    }

    /** Renames {@code staging} to {@code target}, replacing an incomplete target if need be. */
    private static void install(Path staging, Path target, String checksums) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (IOException e) {
                if (isComplete(target, checksums)) {
                    return; // another thread or process installed the same files first
                }
                if (attempt == 3) {
                    throw e;
                }
                // Left over from an interrupted run: move it aside atomically, then delete it.
                Path stale = target.resolveSibling(".stale-" + UUID.randomUUID());
                try {
                    Files.move(target, stale, StandardCopyOption.ATOMIC_MOVE);
                } catch (NoSuchFileException gone) {
                    continue;
                }
                LocalFiles.deleteTree(stale);
            }
        }
    }

    /** Whether {@code directory} holds the marker {@code checksums} and files of those sizes. */
    private static boolean isComplete(Path directory, String checksums) throws IOException {
        try {
            if (!Files.isRegularFile(directory.resolve(MARKER))
                    || !Files.readString(directory.resolve(MARKER)).equals(checksums)) {
                return false;
            }
            for (String line : checksums.split("\n")) {
                String[] fields = line.split(" ", 3); // sha256, size, name
                Path file = directory.resolve(fields[2]);
                if (!Files.isRegularFile(file) || Files.size(file) != Long.parseLong(fields[1])) {
                    return false;
                }
            }
            return true;
        } catch (NoSuchFileException e) {
            return false; // moved aside by a concurrent run
        }
    }

    private static String checksumLine(NativeFile file) throws IOException {
        try (InputStream in = file.source().openStream()) {
            LocalFiles.Sha256 digest = LocalFiles.sha256(in);
            return digest.hex() + " " + digest.size() + " " + file.name();
        }
    }

    private static Path cacheRoot() {
        String configured = System.getProperty(CACHE_PROPERTY);
        return configured != null
                ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".cache", "superclip", "onnxruntime");
    }

    private static URL resource(String path) {
        return OrtRuntime.class.getClassLoader().getResource(path);
    }

    /** The resource {@code otherPath} in the same jar (or folder) as {@code resource}. */
    private static URL sibling(URL resource, String resourcePath, String otherPath) {
        String url = resource.toString();
        try {
            return new URL(url.substring(0, url.length() - resourcePath.length()) + otherPath);
        } catch (IOException e) {
            throw new OrtRuntimeException("Cannot locate " + otherPath + " beside " + url, e);
        }
    }

    private interface Reader {
        String read(InputStream in) throws IOException;
    }

    /** Reads a version from {@code url}; null if it is absent or unreadable. */
    private static String read(URL url, Reader reader) {
        try (InputStream in = url.openStream()) {
            return reader.read(in);
        } catch (IOException e) {
            return null;
        }
    }
}
