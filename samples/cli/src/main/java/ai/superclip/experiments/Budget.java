package ai.superclip.experiments;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * How much compute the experiments get.
 *
 * @param preset the model preset ({@link ai.superclip.model.Presets})
 * @param steps optimizer steps of a run at {@code batchSize} (experiments a, c, d, emoji)
 * @param batchSize batch of experiments a, c, d
 * @param batchSizes batch sizes of experiment b; each runs {@code steps · batchSize / b} steps (equal samples)
 *     and, below the largest, also the largest one's steps (equal steps)
 * @param trainScenes synthetic training scenes (TRAIN split)
 * @param testScenes held-out scenes (TEST split) evaluated
 * @param seeds number of seeds (0, 1, …) each variant is repeated with
 * @param learningRate peak learning rate (10 % linear warm-up, then cosine)
 * @param threads ONNX Runtime threads for training and evaluation (0: all cores)
 * @param work folder of the cached runs
 */
public record Budget(String preset, int steps, int batchSize, List<Integer> batchSizes, int trainScenes, int testScenes,
                     int seeds, double learningRate, int threads, Path work) {

    /** Validates. */
    public Budget {
        batchSizes = List.copyOf(batchSizes);
        ai.superclip.model.Presets.get(preset);
        if (steps < 1 || batchSize < 2 || batchSizes.stream().anyMatch(b -> b < 2) || trainScenes < batchSize
                || testScenes < 10 || seeds < 1 || !(learningRate > 0) || threads < 0) {
            throw new IllegalArgumentException("impossible budget " + this);
        }
    }

    /**
     * The budget of the committed report ({@code docs/results.md}): the {@code micro} preset, 3,125 steps at
     * batch 32 (100,000 samples seen per run), batch sizes 8/32/128, 50,000 training scenes, 1,000 held-out
     * scenes, 3 seeds, lr 1e-3. About 1.5 hours of a 2-core machine with two runs at a time.
     */
    public static Budget standard(Path work) {
        return new Budget("micro", 3125, 32, List.of(8, 32, 128), 50_000, 1000, 3, 1e-3, 1, work);
    }

    /** The folder of this budget's cached runs: the work folder's {@code runs/<preset, scenes, lr>}. */
    public Path runs() {
        return work.resolve("runs").resolve(String.format(Locale.ROOT, "%s-longtail-train%d-test%d-lr%s", preset,
                trainScenes, testScenes, learningRate));
    }

    /** Samples seen per run: {@code steps · batchSize}. */
    public long samples() {
        return (long) steps * batchSize;
    }

    public Budget withSteps(int v) {
        return new Budget(preset, v, batchSize, batchSizes, trainScenes, testScenes, seeds, learningRate, threads, work);
    }

    public Budget withSeeds(int v) {
        return new Budget(preset, steps, batchSize, batchSizes, trainScenes, testScenes, v, learningRate, threads, work);
    }

    public Budget withThreads(int v) {
        return new Budget(preset, steps, batchSize, batchSizes, trainScenes, testScenes, seeds, learningRate, v, work);
    }

    String describe() {
        return String.format(Locale.ROOT, "the `%s` preset, %d steps at batch %d (%,d samples seen per run), batch "
                + "sizes %s at equal samples and at equal steps, %,d training scenes, %,d held-out scenes, %d seeds, "
                + "peak lr %s with 10 %% warm-up and cosine decay", preset, steps, batchSize, samples(), batchSizes,
                trainScenes, testScenes, seeds, learningRate);
    }
}
