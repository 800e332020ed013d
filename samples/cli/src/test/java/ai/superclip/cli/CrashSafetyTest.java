package ai.superclip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.superclip.artifacts.OrtCheckpoint;
import ai.superclip.model.InferenceExport;
import ai.superclip.runtime.LocalFiles;
import ai.superclip.train.CheckpointStore;
import ai.superclip.train.Trainer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety of {@code superclip train}: each trial starts a training run in a separate JVM, kills it with
 * SIGKILL ({@link Process#destroyForcibly()}) either after a random delay or at a random moment inside a
 * checkpoint write (while its {@code .tmp-} directory exists), then checks what is on disk and restarts with
 * {@code --resume latest}:
 * <ul>
 *   <li>every {@code step-N} directory verifies against its manifest, and the latest loads (ORT checkpoint parses,
 *       {@code state.json} names step N): nothing half-written is ever taken for a checkpoint;</li>
 *   <li>the steps lost (last step logged in {@code metrics.jsonl} minus the latest checkpoint's step) are at most
 *       one checkpoint interval;</li>
 *   <li>the resumed run ends with the parameters of a run that was never killed ({@code --threads 1}).</li>
 * </ul>
 * CI runs {@value #DEFAULT_TRIALS} trials; {@code -Dsuperclip.crashTrials=20} runs the full count. The figures are
 * printed as one {@code crash-safety:} line per trial and a summary.
 */
class CrashSafetyTest {
    static final int DEFAULT_TRIALS = 3;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int STEPS = Integer.getInteger("superclip.crashSteps", 10);
    private static final int SAVE_FREQUENCY = 2;

    @TempDir
    Path dir;

    private static List<String> trainArgs(Path out, boolean resume) {
        List<String> args = new ArrayList<>(List.of("train", "--model", "tiny", "--batch-size", "4",
                "--synthetic-count", "64", "--save-frequency", String.valueOf(SAVE_FREQUENCY), "--keep-checkpoints", "2",
                "--steps", String.valueOf(STEPS), "--threads", "1", "--log-every", "1", "--seed", "7", "--quiet",
                "--out", out.toString()));
        if (resume) {
            args.addAll(List.of("--resume", "latest"));
        }
        return args;
    }

    /** A {@code superclip} JVM on the test class path, with the build's native caches and offline settings. */
    private static Process start(List<String> args, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx2g");
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("superclip.") || name.startsWith("ai.djl.") || name.startsWith("DJL_")
                    || name.startsWith("ENGINE_") || name.startsWith("jna.")) {
                command.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SuperClipCli.class.getName());
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void runToCompletion(List<String> args, Path log) throws Exception {
        Process p = start(args, log);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("training did not finish: " + Files.readString(log));
        }
        assertEquals(0, p.exitValue(), () -> "exit " + p.exitValue() + ": " + readQuietly(log));
    }

    /** What one trial saw. */
    record Trial(int number, String mode, long killedAtMs, boolean duringWrite, long loggedStep, long resumedFrom,
            long stepsLost, int stepDirectories, int corrupted, double maxDifference) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "crash-safety: trial %2d %-7s killed at %5d ms%s, last logged step %2d,"
                    + " resumed from step %2d, steps lost %d, step dirs %d, corrupted %d, max |Δparam| %.3e", number,
                    mode, killedAtMs, duringWrite ? " (during a checkpoint write)" : "", loggedStep, resumedFrom,
                    stepsLost, stepDirectories, corrupted, maxDifference);
        }
    }

    @Test
    void killedRunsResumeFromAnIntactCheckpointAndEndWithTheUninterruptedParameters() throws Exception {
        int trials = Integer.getInteger("superclip.crashTrials", DEFAULT_TRIALS);
        long seed = Long.getLong("superclip.crashSeed", 20251129L);
        SplittableRandom random = new SplittableRandom(seed);

        Path reference = dir.resolve("reference");
        long began = System.nanoTime();
        runToCompletion(trainArgs(reference, false), dir.resolve("reference.log"));
        long referenceMs = (System.nanoTime() - began) / 1_000_000;
        Path referenceFinal = reference.resolve(Trainer.CHECKPOINTS).resolve(String.format("step-%09d", STEPS));
        Map<String, float[]> expected = InferenceExport.checkpointWeights(referenceFinal.resolve("checkpoint"));
        System.out.println("crash-safety: uninterrupted run " + referenceMs + " ms, seed " + seed + ", " + trials
                + " trials, " + STEPS + " steps, a checkpoint every " + SAVE_FREQUENCY);

        List<Trial> results = new ArrayList<>();
        for (int i = 1; i <= trials; i++) {
            Path out = dir.resolve("trial-" + i);
            Path log = dir.resolve("trial-" + i + ".log");
            boolean inWrite = i % 2 == 0;
            Process p = start(trainArgs(out, false), log);
            long start = System.nanoTime();
            if (inWrite) {
                // Wait for the n-th checkpoint write to begin, then kill a random moment into it.
                int nth = 1 + random.nextInt(Math.max(1, STEPS / SAVE_FREQUENCY));
                waitForWrite(out.resolve(Trainer.CHECKPOINTS), nth, p, referenceMs * 3);
                Thread.sleep(random.nextInt(1500));
            } else {
                Thread.sleep(random.nextLong(Math.max(1, referenceMs)));
            }
            long killedAt = (System.nanoTime() - start) / 1_000_000;
            p.destroyForcibly();
            p.waitFor();
            Trial t = inspectAndResume(i, inWrite ? "write" : "random", killedAt, out, log, expected);
            System.out.println(t);
            results.add(t);
            if (t.corrupted() == 0 && t.maxDifference() <= 1e-6) {
                LocalFiles.deleteTree(out); // each trial leaves ~0.5 GB
            }
        }
        int corrupted = results.stream().mapToInt(Trial::corrupted).sum();
        long during = results.stream().filter(Trial::duringWrite).count();
        String lost = results.stream().map(t -> String.valueOf(t.stepsLost())).reduce((a, b) -> a + "," + b).orElse("");
        double worst = results.stream().mapToDouble(Trial::maxDifference).max().orElse(0);
        System.out.printf(Locale.ROOT, "crash-safety: %d trials, %d killed during a checkpoint write, corrupted "
                + "checkpoints %d, steps lost per trial [%s] (max allowed %d), max |Δparam| vs uninterrupted %.3e%n",
                trials, during, corrupted, lost, SAVE_FREQUENCY, worst);
        for (Trial t : results) {
            assertEquals(0, t.corrupted(), t.toString());
            assertTrue(t.stepsLost() <= SAVE_FREQUENCY, t.toString());
            assertTrue(t.maxDifference() <= 1e-6, t.toString());
        }
    }

    private static void waitForWrite(Path checkpoints, int nth, Process p, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        int seen = 0;
        String current = null;
        while (System.nanoTime() < deadline && p.isAlive()) {
            Optional<String> tmp = temporary(checkpoints);
            if (tmp.isPresent() && !tmp.get().equals(current)) {
                current = tmp.get();
                if (++seen == nth) {
                    return;
                }
            }
            Thread.sleep(2);
        }
    }

    private static Optional<String> temporary(Path checkpoints) {
        try (Stream<Path> s = Files.list(checkpoints)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".tmp-step-")).findFirst();
        } catch (IOException e) {
            return Optional.empty(); // not created yet
        }
    }

    private Trial inspectAndResume(int number, String mode, long killedAt, Path out, Path log,
            Map<String, float[]> expected) throws Exception {
        Path checkpoints = out.resolve(Trainer.CHECKPOINTS);
        boolean duringWrite = temporary(checkpoints).isPresent();
        int stepDirs = 0;
        int corrupted = 0;
        if (Files.isDirectory(checkpoints)) {
            try (Stream<Path> s = Files.list(checkpoints)) {
                for (Path d : s.filter(p -> p.getFileName().toString().startsWith("step-")).toList()) {
                    stepDirs++;
                    if (!CheckpointStore.isComplete(d)) {
                        corrupted++; // a step-N directory that does not verify: half-written or half-deleted
                        System.out.println("crash-safety: trial " + number + ": " + d + " does not verify");
                    }
                }
            }
        }
        CheckpointStore store = new CheckpointStore(checkpoints, Integer.MAX_VALUE);
        Optional<Path> latest = store.latest();
        long from = 0;
        if (latest.isPresent()) {
            from = CheckpointStore.stepOf(latest.get());
            try {
                CheckpointStore.verify(latest.get());
                OrtCheckpoint.read(latest.get().resolve("checkpoint"));
                JsonNode state = JSON.readTree(latest.get().resolve("state.json").toFile()).get("state");
                assertEquals(from, state.get("step").asLong(), "state.json names the directory's step");
            } catch (RuntimeException | AssertionError e) {
                corrupted++;
                System.out.println("crash-safety: trial " + number + ": latest " + latest.get() + " does not load: " + e);
            }
        }
        long logged = lastLoggedStep(out.resolve(Trainer.METRICS));
        long lost = Math.max(0, logged - from);

        // Restart as a preemptible job's wrapper does: always --resume latest, which starts fresh when the killed
        // run left no checkpoint.
        runToCompletion(trainArgs(out, true), out.resolveSibling(out.getFileName() + "-resumed.log"));
        Path last = checkpoints.resolve(String.format("step-%09d", STEPS));
        CheckpointStore.verify(last);
        Map<String, float[]> actual = InferenceExport.checkpointWeights(last.resolve("checkpoint"));
        double max = 0;
        assertEquals(expected.keySet(), actual.keySet());
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            float[] a = actual.get(e.getKey());
            for (int j = 0; j < a.length; j++) {
                max = Math.max(max, Math.abs(a[j] - e.getValue()[j]));
            }
        }
        return new Trial(number, mode, killedAt, duringWrite, logged, from, lost, stepDirs, corrupted, max);
    }

    /** The highest step in the metrics log (a torn last line is ignored), 0 if none. */
    private static long lastLoggedStep(Path metrics) throws IOException {
        if (!Files.exists(metrics)) {
            return 0;
        }
        long step = 0;
        for (String line : Files.readAllLines(metrics)) {
            try {
                JsonNode n = JSON.readTree(line);
                if (n != null && n.has("step")) {
                    step = Math.max(step, n.get("step").asLong());
                }
            } catch (IOException torn) {
                // killed mid-line
            }
        }
        return step;
    }

    private static String readQuietly(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
