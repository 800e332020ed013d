package ai.superclip.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.runtime.OrtRuntime.NativeFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrtRuntimeTest {
    @TempDir Path temp;
    private Path sources;
    private List<NativeFile> files;

    /** Two small stand-ins for the native libraries. */
    @BeforeEach
    void writeSources() throws IOException {
        sources = Files.createDirectories(temp.resolve("sources"));
        files =
                List.of(
                        nativeFile("libonnxruntime4j_jni.so", "jni".repeat(1000)),
                        nativeFile("libonnxruntime.so", "training runtime".repeat(1000)));
    }

    private NativeFile nativeFile(String name, String content) throws IOException {
        Path source = Files.writeString(sources.resolve(name), content);
        return new NativeFile(name, source.toUri().toURL());
    }

    @Test
    void environmentHasTheTrainingApi() {
        assertTrue(OrtRuntime.environment().isTrainingEnabled());
        assertEquals(OrtRuntime.ORT_VERSION, OrtRuntime.version());
        Path directory = OrtRuntime.nativeDirectory();
        assertEquals(directory.toString(), System.getProperty(OrtRuntime.NATIVE_PATH_PROPERTY));
        assertTrue(Files.isRegularFile(directory.resolve("libonnxruntime.so")));
        assertTrue(Files.isRegularFile(directory.resolve("libonnxruntime4j_jni.so")));
    }

    @Test
    void secondExtractionReusesTheFirst() throws IOException {
        Path root = temp.resolve("cache");
        Path first = OrtRuntime.extract(root, "1.0-1.0-1", files);
        assertExtracted(first);
        Object marker = fileKey(first.resolve(OrtRuntime.MARKER));

        Path second = OrtRuntime.extract(root, "1.0-1.0-1", files);
        assertEquals(first, second);
        assertEquals(marker, fileKey(second.resolve(OrtRuntime.MARKER)), "marker was rewritten");
        assertEquals(List.of(first), list(root));
    }

    @Test
    void racingExtractionsLeaveOneCompleteDirectory() throws Exception {
        Path root = temp.resolve("cache");
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        Callable<Path> extract = () -> {
            start.await();
            return OrtRuntime.extract(root, "1.0-1.0-1", files);
        };
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Path>> results = pool.invokeAll(Collections.nCopies(threads, extract));
            Path winner = results.get(0).get();
            for (Future<Path> result : results) {
                assertEquals(winner, result.get());
            }
            assertExtracted(winner);
            assertEquals(List.of(winner), list(root), "staging directories were left behind");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void incompleteDirectoryIsReplaced() throws IOException {
        Path root = temp.resolve("cache");
        Path directory = OrtRuntime.extract(root, "1.0-1.0-1", files);
        Files.delete(directory.resolve(OrtRuntime.MARKER));
        Files.writeString(directory.resolve("libonnxruntime.so"), "truncated");

        assertEquals(directory, OrtRuntime.extract(root, "1.0-1.0-1", files));
        assertExtracted(directory);
        assertEquals(List.of(directory), list(root));
    }

    @Test
    void changedSourcesGetTheirOwnDirectory() throws IOException {
        Path root = temp.resolve("cache");
        Path before = OrtRuntime.extract(root, "1.0-1.0-1", files);
        Files.writeString(sources.resolve("libonnxruntime.so"), "another build");
        Path after = OrtRuntime.extract(root, "1.0-1.0-1", files);
        assertNotEquals(before, after);
        assertTrue(after.getFileName().toString().startsWith("1.0-1.0-1-"), after.toString());
        assertExtracted(after);
    }

    @Test
    void matchingVersionsPass() {
        assertDoesNotThrow(() -> OrtRuntime.checkVersions("1.24.1", "1.24.1-1.5.13"));
    }

    @Test
    void mismatchedVersionsSayWhatToPutInThePom() {
        OrtRuntimeException e =
                assertThrows(
                        OrtRuntimeException.class, () -> OrtRuntime.checkVersions("1.24.1", "1.28.0-1.5.14"));
        String message = e.getMessage();
        assertTrue(message.contains("com.microsoft.onnxruntime:onnxruntime is 1.24.1"), message);
        assertTrue(message.contains("org.bytedeco:onnxruntime is 1.28.0-1.5.14"), message);
        assertTrue(message.contains("<version>" + OrtRuntime.BYTEDECO_VERSION + "</version>"), message);
        assertTrue(message.contains("<classifier>linux-x86_64</classifier>"), message);

        String unknown =
                assertThrows(OrtRuntimeException.class, () -> OrtRuntime.checkVersions("1.24.1", null))
                        .getMessage();
        assertTrue(unknown.contains("org.bytedeco:onnxruntime is unknown"), unknown);
    }

    @Test
    void onlyLinuxX86_64IsSupported() {
        assertDoesNotThrow(() -> OrtRuntime.checkPlatform("Linux", "amd64"));
        assertDoesNotThrow(() -> OrtRuntime.checkPlatform("Linux", "x86_64"));
        String message =
                assertThrows(
                                OrtRuntimeException.class, () -> OrtRuntime.checkPlatform("Mac OS X", "aarch64"))
                        .getMessage();
        assertTrue(message.contains("Mac OS X / aarch64"), message);
        assertThrows(OrtRuntimeException.class, () -> OrtRuntime.checkPlatform("Linux", "aarch64"));
    }

    private void assertExtracted(Path directory) throws IOException {
        for (NativeFile file : files) {
            assertArrayEquals(
                    Files.readAllBytes(sources.resolve(file.name())),
                    Files.readAllBytes(directory.resolve(file.name())),
                    file.name());
        }
        String marker = Files.readString(directory.resolve(OrtRuntime.MARKER), StandardCharsets.UTF_8);
        assertEquals(files.size(), marker.lines().count(), marker);
    }

    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }

    private static List<Path> list(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.toList();
        }
    }
}
