package ai.superclip.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.data.SyntheticScenes;
import ai.superclip.tokenization.IdfStatistics;
import ai.superclip.train.CheckpointStore;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The Spark {@code train} job in local mode with two barrier tasks: against one process training on the global
 * batch (the single-process trainer is the oracle), and with one task failing mid-run.
 */
class DistributedTrainingTest {
    @TempDir
    Path dir;

    private static final int STEPS = 4;

    private static DistributedTraining.Settings settings(Path out, int failRank, int failAtStep) {
        return new DistributedTraining.Settings("tiny", "synthetic:256", 2, 8, 1, STEPS, 5e-4, 2, 11, 1, 2, 3,
                out.toString(), 120, failRank, failAtStep);
    }

    @Test
    void twoBarrierTasksTrainLikeOneProcessAndRecoverFromAFailedTask() throws Exception {
        Path one = dir.resolve("one");
        TrainingConfig config = settings(one, -1, -1).config();
        try (Trainer t = Trainer.create(config, SyntheticScenes.builder().seed(11).count(256).build())) {
            t.train();
        }
        Path unbroken = dir.resolve("unbroken");
        List<String> lines = DistributedTraining.run(LocalSpark.session(), settings(unbroken, -1, -1), 0);
        lines.forEach(System.out::println);
        double exactness = CheckpointStore.largestParameterDifference(latest(one), latest(unbroken));
        IdfStatistics a = IdfStatistics.load(latest(one).resolve(Trainer.IDF_FILE));
        IdfStatistics b = IdfStatistics.load(latest(unbroken).resolve(Trainer.IDF_FILE));
        assertEquals(a.samples(), b.samples());
        assertArrayEquals(a.frequencies(), b.frequencies(), "the same IDF state, bit for bit");

        Path broken = dir.resolve("broken");
        List<String> recovered = DistributedTraining.run(LocalSpark.session(), settings(broken, 1, 3), 1);
        recovered.forEach(System.out::println);
        assertTrue(recovered.stream().allMatch(l -> l.contains("(attempt 1)") && l.contains(STEPS + " steps")), recovered.toString());
        double fault = CheckpointStore.largestParameterDifference(latest(unbroken), latest(broken));
        System.out.printf("spark local[2], 2 workers x 4 rows vs 1 process x 8 rows over %d steps: largest parameter"
                + " difference %.3e; run with worker 1 failing after step 3, restarted from step 2, vs unbroken: %.3e%n",
                STEPS, exactness, fault);
        assertTrue(exactness <= 1e-5, "largest parameter difference " + exactness);
        assertTrue(fault <= 1e-6, "largest parameter difference after the restart " + fault);
    }

    @Test
    void theTrainCommandRunsTheJob() {
        LocalSpark.session(); // the job's getOrCreate joins the tests' local[2] session
        Path out = dir.resolve("cli");
        int code = new CommandLine(new SparkJobs()).execute("train", "--num-workers", "2", "--train-data", "synthetic:64",
                "--model", "tiny", "--batch-size", "4", "--steps", "2", "--save-frequency", "1", "--threads", "1",
                "--out", out.toString());
        assertEquals(0, code);
        assertEquals(2, CheckpointStore.stepOf(latest(out)));
    }

    private static Path latest(Path run) {
        return new CheckpointStore(run.resolve(Trainer.CHECKPOINTS), 3).latest().orElseThrow();
    }
}
