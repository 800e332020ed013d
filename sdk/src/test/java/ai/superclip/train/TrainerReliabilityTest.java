package ai.superclip.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.superclip.artifacts.AdamW;
import ai.superclip.artifacts.NamedArray;
import ai.superclip.artifacts.OrtCheckpoint;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.model.TextConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer under numerical and disk trouble: a poisoned batch (NaN pixels injected through the test hook) is
 * skipped and counted; k in a row stop the run naming the step and the last good checkpoint; a non-finite update
 * behind a finite loss never becomes a checkpoint; a checkpoint write that fails (full disk, read-only directory)
 * names the last good checkpoint, which still verifies; resuming with another model names the setting.
 */
class TrainerReliabilityTest {
    @TempDir
    Path dir;

    private static final SyntheticScenes SCENES = SyntheticScenes.builder().seed(3).count(128).build();

    private static TrainingConfig.Builder tiny(Path out, int steps) {
        return TrainingConfig.builder("tiny").batchSize(4).steps(steps).learningRate(5e-4).warmupSteps(1)
                .checkpointEvery(2).keepCheckpoints(2).logEvery(1).threads(1).seed(5).output(out);
    }

    /** A hook writing NaN into the first pixel of every micro-batch of the given (1-based) steps. */
    private static Trainer.BatchHook poison(long... steps) {
        return (step, micro, batch) -> {
            for (long s : steps) {
                if (s == step) {
                    batch.images().put(0, Float.NaN);
                }
            }
        };
    }

    @Test
    void onePoisonedStepIsSkippedCountedAndTrainingFinishesWithFiniteParameters() throws Exception {
        TrainingConfig config = tiny(dir.resolve("one"), 4).checkpointEvery(0).maxBadStepsInARow(2).build();
        List<StepMetrics> seen = new ArrayList<>();
        TrainingResult result;
        try (Trainer t = Trainer.create(config, SCENES).batchHook(poison(2))) {
            t.addListener(new TrainingListener() {
                @Override
                public void onStep(StepMetrics m) {
                    seen.add(m);
                }
            });
            result = t.train();
        }
        assertEquals(4, result.steps());
        assertEquals(1, result.skippedSteps());
        assertTrue(Double.isFinite(result.finalLoss()), "final loss " + result.finalLoss());
        assertTrue(seen.get(1).skipped() && !Double.isFinite(seen.get(1).loss()), "step 2 was poisoned: " + seen.get(1));
        assertTrue(seen.stream().filter(StepMetrics::skipped).count() == 1, "only step 2 skipped");
        assertEquals(1, seen.get(3).skippedTotal());
        assertAllFinite(result.checkpoint());
        String metrics = Files.readString(config.output().resolve(Trainer.METRICS));
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("{\"step\":2,") && l.contains("\"skipped\":1")), metrics);
    }

    @Test
    void kPoisonedStepsInARowStopTheRunNamingTheStepAndTheLastGoodCheckpoint() throws Exception {
        TrainingConfig config = tiny(dir.resolve("k"), 6).maxBadStepsInARow(3).build();
        TrainingException e;
        CheckpointStore store;
        try (Trainer t = Trainer.create(config, SCENES).batchHook(poison(3, 4, 5))) {
            store = t.checkpoints();
            e = assertThrows(TrainingException.class, t::train);
        }
        Path last = store.latest().orElseThrow();
        assertEquals(4, CheckpointStore.stepOf(last), "step 4 was checkpointed (its parameters are step 2's)");
        assertTrue(e.getMessage().contains("stopped at step 5") && e.getMessage().contains("3 non-finite losses in a row")
                && e.getMessage().contains("last good checkpoint: " + last), e.getMessage());
        CheckpointStore.verify(last);
        assertAllFinite(last);
        // The run can go on from there once the data is fixed.
        try (Trainer t = Trainer.create(config, SCENES)) {
            TrainingResult resumed = t.resume(null);
            assertEquals(6, resumed.steps());
            assertEquals(2, resumed.skippedSteps(), "the skipped count survives the resume (steps 3 and 4 were checkpointed)");
            assertAllFinite(resumed.checkpoint());
        }
    }

    @Test
    void aNonFiniteUpdateBehindAFiniteLossIsNeverCheckpointed() throws Exception {
        // lr × weight decay overflows float: the decoupled decay turns the weights non-finite while the step's loss
        // (computed before the update) is finite, so the per-step loss check cannot see it.
        ModelConfig base = Presets.get("tiny");
        ModelConfig exploding = new ModelConfig(base.embedDim(), base.vision(), base.text(), base.loss(), base.lambda(),
                new AdamW(0.9f, 0.98f, 1e-6f, 1e10f));
        TrainingConfig config = tiny(dir.resolve("explode"), 4).model(exploding).learningRate(1e30).warmupSteps(0)
                .checkpointEvery(1).build();
        CheckpointException e;
        CheckpointStore store;
        try (Trainer t = Trainer.create(config, SCENES)) {
            store = t.checkpoints();
            e = assertThrows(CheckpointException.class, t::train);
        }
        assertTrue(e.getMessage().contains("is not finite at step 1") && e.getMessage().contains("step-000000001"),
                e.getMessage());
        assertTrue(store.latest().isEmpty(), "no checkpoint with non-finite parameters exists");
        assertNoTemporaryDirectories(store.root());
    }

    @Test
    void aFullDiskDuringACheckpointWriteNamesTheLastGoodCheckpointWhichStillVerifies() throws Exception {
        Path out = dir.resolve("full");
        Path checkpoints = Files.createDirectories(out.resolve(Trainer.CHECKPOINTS));
        TrainingConfig config = tiny(out, 6).keepCheckpoints(1).build();
        boolean[] mounted = {false};
        try (Trainer t = Trainer.create(config, SCENES)) {
            t.addListener(new TrainingListener() {
                @Override
                public void onStart(TrainingConfig c, long startStep) {
                    // The artifacts are written; a checkpoint holds the parameters and two Adam moments (~3×).
                    try {
                        long params = Files.size(out.resolve(Trainer.ARTIFACTS).resolve(Trainer.ORT_CHECKPOINT));
                        long bytes = params * 9 / 2; // room for one checkpoint, not for the next beside it
                        mounted[0] = run("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", checkpoints.toString());
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            try {
                CheckpointException e = assertThrows(CheckpointException.class, t::train);
                assumeTrue(mounted[0], "mounting a tmpfs is not permitted here");
                String m = e.getMessage();
                Path good = checkpoints.resolve("step-000000002");
                assertTrue(m.contains("step-000000004") && m.contains("the last good checkpoint is " + good), m);
                assertTrue(m.toLowerCase().contains("space") || m.contains("ENOSPC") || m.contains("write"), m);
                CheckpointStore.verify(good);
                assertEquals(good, t.checkpoints().latest().orElseThrow());
                assertAllFinite(good);
                assertNoTemporaryDirectories(checkpoints);
            } catch (org.opentest4j.AssertionFailedError notThrown) {
                assumeTrue(mounted[0], "mounting a tmpfs is not permitted here");
                throw notThrown;
            } finally {
                if (mounted[0]) {
                    run("umount", "-l", checkpoints.toString());
                }
            }
        }
    }

    @Test
    void aReadOnlyCheckpointDirectoryNamesTheLastGoodCheckpointWhichStillVerifies() throws Exception {
        Path out = dir.resolve("readonly");
        TrainingConfig config = tiny(out, 6).build();
        Path checkpoints = out.resolve(Trainer.CHECKPOINTS);
        boolean[] writable = {false};
        try (Trainer t = Trainer.create(config, SCENES)) {
            t.addListener(new TrainingListener() {
                @Override
                public void onCheckpoint(long step, Path checkpoint) {
                    try {
                        Files.setPosixFilePermissions(checkpoints, PosixFilePermissions.fromString("r-xr-xr-x"));
                        Path probe = checkpoints.resolve("probe");
                        Files.createFile(probe); // root ignores the mode bits
                        Files.delete(probe);
                        writable[0] = true;
                    } catch (IOException expected) {
                        // read-only as intended
                    }
                }
            });
            try {
                CheckpointException e = assertThrows(CheckpointException.class, t::train);
                assumeTrue(!writable[0], "running as root: mode bits do not stop writes (the tmpfs test covers it)");
                Path good = checkpoints.resolve("step-000000002");
                assertTrue(e.getMessage().contains("step-000000004")
                        && e.getMessage().contains("the last good checkpoint is " + good), e.getMessage());
                CheckpointStore.verify(good);
            } catch (org.opentest4j.AssertionFailedError notThrown) {
                assumeTrue(!writable[0], "running as root: mode bits do not stop writes (the tmpfs test covers it)");
                throw notThrown;
            } finally {
                Files.setPosixFilePermissions(checkpoints, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    @Test
    void resumingWithAnotherContextLengthNamesTheSetting() throws Exception {
        TrainingConfig config = tiny(dir.resolve("ctx"), 2).build();
        try (Trainer t = Trainer.create(config, SCENES)) {
            t.train();
        }
        ModelConfig base = Presets.get("tiny");
        TextConfig longer = new TextConfig(base.text().vocabSize(), base.text().contextLength() + 23, base.text().width(),
                base.text().heads(), base.text().layers(), base.text().mlpRatio(), base.text().activation());
        TrainingConfig other = config.toBuilder().steps(4).model(new ModelConfig(base.embedDim(), base.vision(), longer,
                base.loss(), base.lambda(), base.adamW())).build();
        try (Trainer t = Trainer.create(other, SCENES)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> t.resume(null));
            assertTrue(e.getMessage().contains("text.context_length: checkpoint 77, this run 100"), e.getMessage());
        }
    }

    private static boolean run(String... command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (IOException e) {
            return false; // no mount command
        }
    }

    static void assertAllFinite(Path checkpoint) {
        OrtCheckpoint c = OrtCheckpoint.read(checkpoint.resolve(Trainer.ORT_CHECKPOINT));
        List<NamedArray> all = new ArrayList<>(c.trainable());
        all.addAll(c.frozen());
        if (c.optimizer() != null) {
            c.optimizer().momentsByParameter().values().forEach(all::addAll);
        }
        assertFalse(all.isEmpty());
        for (NamedArray a : all) {
            for (float v : a.values()) {
                assertTrue(Float.isFinite(v), a.name() + " holds " + v + " in " + checkpoint);
            }
        }
    }

    private static void assertNoTemporaryDirectories(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            List<Path> left = s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList();
            assertTrue(left.isEmpty(), "left behind: " + left);
        }
    }
}
