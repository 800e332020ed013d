package ai.superclip.train;

import ai.superclip.artifacts.AtomicFiles;
import ai.superclip.model.InferenceExport;
import ai.superclip.runtime.LocalFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A directory of training checkpoints, each a sub-directory {@code step-<n>} written atomically: its files
 * are written into a hidden temporary directory, synced, listed with their SHA-256 in {@code MANIFEST.json}
 * (written last), and the directory is then renamed into place. A directory without a valid manifest is never
 * taken for a checkpoint. The newest {@code keep} checkpoints are kept.
 */
public final class CheckpointStore {
    /** The completion marker: file name to SHA-256 and size. */
    public static final String MANIFEST = "MANIFEST.json";
    private static final Pattern NAME = Pattern.compile("step-(\\d{9})");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final int keep;

    /** Writes the files of one checkpoint into the directory it is given. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(Path directory) throws Exception;
    }

    public CheckpointStore(Path root, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1, got " + keep);
        }
        this.root = root;
        this.keep = keep;
    }

    public Path root() {
        return root;
    }

    /**
     * Writes the checkpoint of {@code step}; on any failure the partial directory is removed, earlier
     * checkpoints are untouched, and a {@link CheckpointException} says what failed.
     */
    public Path write(long step, Writer writer) {
        Path target = root.resolve(String.format("step-%09d", step));
        Path tmp = root.resolve(".tmp-" + target.getFileName() + "-" + UUID.randomUUID());
        try {
            Files.createDirectories(root);
            Files.createDirectory(tmp);
            writer.writeTo(tmp);
            writeManifest(tmp);
            AtomicFiles.syncDirectory(tmp);
            if (Files.exists(target)) {
                discard(target);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new CheckpointException("the file system of " + root + " cannot rename atomically", e);
            }
            AtomicFiles.syncDirectory(root);
        } catch (CheckpointException e) {
            deleteQuietly(tmp);
            throw e;
        } catch (Exception e) {
            deleteQuietly(tmp);
            throw new CheckpointException("cannot write checkpoint " + target + ": " + describe(e)
                    + (latest().map(p -> "; the last good checkpoint is " + p).orElse("")), e);
        }
        prune();
        return target;
    }

    /** The newest complete checkpoint, if any (older ones are not verified). */
    public Optional<Path> latest() {
        return candidates().stream().filter(CheckpointStore::isComplete).findFirst();
    }

    /** Complete checkpoints, newest first. Directories that fail verification are skipped. */
    public List<Path> complete() {
        List<Path> found = new ArrayList<>();
        for (Path p : candidates()) {
            if (isComplete(p)) {
                found.add(p);
            }
        }
        return found;
    }

    /** The step a checkpoint directory holds, from its name. */
    public static long stepOf(Path checkpoint) {
        Matcher m = NAME.matcher(checkpoint.getFileName().toString());
        if (!m.matches()) {
            throw new CheckpointException(checkpoint + " is not a checkpoint directory (step-NNNNNNNNN)");
        }
        return Long.parseLong(m.group(1));
    }

    /** Whether {@code dir} has a manifest and every listed file has its recorded size and SHA-256. */
    public static boolean isComplete(Path dir) {
        try {
            verify(dir);
            return true;
        } catch (CheckpointException e) {
            return false;
        }
    }

    /** Checks a checkpoint against its manifest, naming the first problem. */
    public static void verify(Path dir) {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            throw new CheckpointException(dir + " is incomplete: no " + MANIFEST);
        }
        try {
            Map<?, ?> files = JSON.readValue(manifest.toFile(), Map.class);
            for (Map.Entry<?, ?> e : files.entrySet()) {
                Path f = dir.resolve(String.valueOf(e.getKey()));
                Map<?, ?> info = (Map<?, ?>) e.getValue();
                if (!Files.isRegularFile(f) || Files.size(f) != ((Number) info.get("size")).longValue()) {
                    throw new CheckpointException(f + " is missing or has the wrong size");
                }
                if (!LocalFiles.sha256(f).equals(info.get("sha256"))) {
                    throw new CheckpointException(f + " does not match its checksum");
                }
            }
        } catch (IOException | ClassCastException | NullPointerException e) {
            throw new CheckpointException(manifest + " is unreadable: " + describe(e), e);
        }
    }

    /**
     * The largest absolute difference of any parameter value between two checkpoints of one model, e.g. a
     * data-parallel run's and a single process's (reads both checkpoints' parameters into memory).
     *
     * @throws CheckpointException when the two hold different parameters, naming one
     */
    public static double largestParameterDifference(Path a, Path b) {
        Map<String, float[]> x = InferenceExport.checkpointWeights(a.resolve(Trainer.ORT_CHECKPOINT));
        Map<String, float[]> y = InferenceExport.checkpointWeights(b.resolve(Trainer.ORT_CHECKPOINT));
        double worst = 0;
        for (String name : x.keySet()) {
            float[] u = x.get(name);
            float[] v = y.get(name);
            if (v == null || v.length != u.length) {
                throw new CheckpointException(b + " does not hold parameter " + name + " as " + a + " does");
            }
            for (int i = 0; i < u.length; i++) {
                worst = Math.max(worst, Math.abs(u[i] - v[i]));
            }
        }
        for (String name : y.keySet()) {
            if (!x.containsKey(name)) {
                throw new CheckpointException(a + " does not hold parameter " + name + " as " + b + " does");
            }
        }
        return worst;
    }

    private List<Path> candidates() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(CheckpointStore::stepOf).reversed()).toList();
        } catch (IOException e) {
            throw new CheckpointException("cannot list checkpoints in " + root + ": " + describe(e), e);
        }
    }

    private void prune() {
        int kept = 0;
        for (Path p : candidates()) { // newest first: keep the newest `keep` complete ones, verifying only those
            if (kept < keep && isComplete(p)) {
                kept++;
            } else { // older than the newest `keep`, or damaged
                discard(p);
            }
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(root, ".tmp-*")) {
            for (Iterator<Path> it = s.iterator(); it.hasNext();) {
                deleteQuietly(it.next()); // left by a crashed writer
            }
        } catch (IOException ignored) {
            // nothing to clean
        }
    }

    /**
     * Removes a checkpoint directory by first renaming it to a temporary name, so that a crash while its files are
     * being deleted never leaves a half-deleted {@code step-N} directory behind.
     */
    private void discard(Path p) {
        Path doomed = root.resolve(".tmp-discard-" + p.getFileName() + "-" + UUID.randomUUID());
        try {
            Files.move(p, doomed, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            doomed = p;
        }
        deleteQuietly(doomed);
    }

    private static void writeManifest(Path dir) throws IOException {
        Map<String, Object> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                ObjectNode info = JSON.createObjectNode();
                info.put("size", Files.size(f));
                info.put("sha256", LocalFiles.sha256(f));
                files.put(f.getFileName().toString(), info);
                sync(f);
            }
        }
        Path manifest = dir.resolve(MANIFEST);
        JSON.writerWithDefaultPrettyPrinter().writeValue(manifest.toFile(), files);
        sync(manifest);
    }

    private static void sync(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            LocalFiles.deleteTree(p);
        } catch (IOException ignored) {
            // best effort: a leftover temporary directory is never taken for a checkpoint
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
