package ai.superclip.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.data.SyntheticScenes;
import ai.superclip.distributed.RingWorkers;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.tokenization.IdfStatistics;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Synchronous data-parallel training with workers as threads linked by the TCP ring, against one process training
 * on the global batch (the oracle: the single-process trainer, whose step the workers' steps must equal).
 */
class DataParallelTrainingTest {
    @TempDir
    Path dir;

    private static final SyntheticScenes SCENES = SyntheticScenes.builder().seed(3).count(256).build();

    static TrainingConfig.Builder tiny(Path out, int steps, int globalBatch, int accumulation) {
        return TrainingConfig.builder("tiny").batchSize(globalBatch).accumulation(accumulation).steps(steps)
                .learningRate(5e-4).warmupSteps(2).checkpointEvery(2).keepCheckpoints(3).logEvery(1).threads(1).seed(11)
                .output(out);
    }

    /** Trains {@code config} on {@code workers} threads sharing its output directory; returns worker 0's result. */
    static TrainingResult trainOnWorkers(TrainingConfig config, int workers) throws Exception {
        return RingWorkers.run(workers, Duration.ofSeconds(120), ring -> {
            try (Trainer t = Trainer.create(config, SCENES).collective(ring)) {
                return t.train();
            }
        }).get(0);
    }

    @Test
    void twoWorkersOfFourRowsStepLikeOneProcessOfEight() throws Exception {
        assertExact(1);
    }

    @Test
    void twoWorkersWithAccumulationStepLikeOneProcessWithIt() throws Exception {
        assertExact(2);
    }

    @Test
    void twoWorkersWithTheClipLossStepLikeOneProcess() throws Exception {
        assertExact(1, ModelConfig.Loss.CLIP);
    }

    private void assertExact(int accumulation) throws Exception {
        assertExact(accumulation, ModelConfig.Loss.SUPERCLIP);
    }

    private void assertExact(int accumulation, ModelConfig.Loss loss) throws Exception {
        int steps = 3;
        ModelConfig model = Presets.get("tiny").withLoss(loss);
        long t0 = System.nanoTime();
        TrainingResult one;
        try (Trainer t = Trainer.create(tiny(dir.resolve("one"), steps, 8, accumulation).model(model).build(), SCENES)) {
            one = t.train();
        }
        long t1 = System.nanoTime();
        TrainingResult two = trainOnWorkers(tiny(dir.resolve("two"), steps, 8, accumulation).model(model).build(), 2);
        long t2 = System.nanoTime();
        double worst = CheckpointStore.largestParameterDifference(one.checkpoint(), two.checkpoint());
        System.out.printf("data parallel, accumulation %d: 1 process x 8 rows vs 2 workers x 4 rows over %d steps:"
                + " largest parameter difference %.3e, final loss %.6f vs %.6f; %.2f s vs %.2f s%n", accumulation, steps,
                worst, one.finalLoss(), two.finalLoss(), (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        assertTrue(worst <= 1e-5, "largest parameter difference " + worst);
        double moved = CheckpointStore.largestParameterDifference(dir.resolve("one").resolve(Trainer.ARTIFACTS),
                one.checkpoint());
        assertTrue(moved > 100 * worst, "training moved the parameters by " + moved + ", far more than the difference");
        assertEquals(one.finalLoss(), two.finalLoss(), 1e-5);
        if (loss == ModelConfig.Loss.CLIP) {
            return;
        }
        IdfStatistics a = IdfStatistics.load(one.checkpoint().resolve(Trainer.IDF_FILE));
        IdfStatistics b = IdfStatistics.load(two.checkpoint().resolve(Trainer.IDF_FILE));
        assertEquals(a.samples(), b.samples());
        assertArrayEquals(a.frequencies(), b.frequencies(), "the same IDF state, bit for bit");
    }
}
