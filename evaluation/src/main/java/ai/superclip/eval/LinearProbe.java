package ai.superclip.eval;

import ai.superclip.inference.Embeddings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Linear probe: multinomial logistic regression ({@link SoftmaxRegression}) on frozen, L2-normalised image
 * features, with the L2 penalty chosen on a validation split and the final model refitted on train +
 * validation.
 *
 * <p>Penalty selection and its determinism:
 * <ol>
 *   <li>The training samples are put in a canonical order (by label, then lexicographically by feature
 *       values), so nothing below depends on the order they were passed in.</li>
 *   <li>Stratified split: within each class, a {@code Random(seed)} shuffle moves
 *       {@code round(validationFraction · n_c)} samples to validation, at least one and never all of the class
 *       (a class with a single sample stays in training).</li>
 *   <li>Each penalty of the grid is fitted on the training part; the one with the highest validation top-1
 *       wins, ties going to the lower validation cross-entropy, then to the larger penalty.</li>
 *   <li>The winner is refitted on all training samples and scored on the test set.</li>
 * </ol>
 */
public final class LinearProbe {

    /**
     * Probe settings.
     *
     * @param seed seed of the validation split
     * @param validationFraction share of each class held out for choosing the penalty, in (0, 1)
     * @param penalties the grid of L2 strengths tried
     * @param maxIterations L-BFGS iteration cap per fit
     * @param gradientTolerance L-BFGS stopping tolerance (largest absolute gradient component)
     */
    public record Config(long seed, double validationFraction, List<Double> penalties, int maxIterations,
                         double gradientTolerance) {

        /** Validates and copies the grid. */
        public Config {
            penalties = List.copyOf(penalties);
            if (penalties.isEmpty() || !(validationFraction > 0 && validationFraction < 1)) {
                throw new IllegalArgumentException("need a non-empty penalty grid and a validation fraction in (0, 1)");
            }
        }

        /** 20 % validation, penalties 1e-6, 1e-5, …, 1e2, at most 1000 iterations, tolerance 1e-6. */
        public static Config defaults(long seed) {
            List<Double> grid = IntStream.rangeClosed(-6, 2).mapToObj(e -> Math.pow(10, e)).toList();
            return new Config(seed, 0.2, grid, 1000, 1e-6);
        }
    }

    /**
     * The outcome of a probe.
     *
     * @param penalty the chosen L2 strength
     * @param validationTop1 validation top-1 per penalty of the grid
     * @param model the model refitted on train + validation with {@code penalty}
     * @param test metrics on the test set
     */
    public record Result(double penalty, SortedMap<Double, Double> validationTop1, SoftmaxRegression model,
                         ClassificationMetrics test) {
    }

    private LinearProbe() {
    }

    /** Chooses the penalty, refits and scores the test set; features are {@code [N, E]}, labels in [0, C). */
    public static Result run(float[][] trainFeatures, int[] trainLabels, float[][] testFeatures, int[] testLabels,
                             int numClasses, Config config) {
        if (trainFeatures.length != trainLabels.length) {
            throw new IllegalArgumentException(trainFeatures.length + " training samples but " + trainLabels.length
                    + " labels");
        }
        for (int label : trainLabels) {
            if (label < 0 || label >= numClasses) {
                throw new IllegalArgumentException("label " + label + " outside [0, " + numClasses + ")");
            }
        }
        Integer[] canonical = IntStream.range(0, trainLabels.length).boxed().toArray(Integer[]::new);
        Arrays.sort(canonical, Comparator.<Integer>comparingInt(i -> trainLabels[i])
                .thenComparing((i, j) -> Arrays.compare(trainFeatures[i], trainFeatures[j])));
        double[][] x = Embeddings.normalizedRows(Arrays.stream(canonical).map(i -> trainFeatures[i])
                .toArray(float[][]::new));
        int[] y = Arrays.stream(canonical).mapToInt(i -> trainLabels[i]).toArray();

        List<Integer> trainPart = new ArrayList<>();
        List<Integer> validationPart = new ArrayList<>();
        split(y, numClasses, config, trainPart, validationPart);
        if (validationPart.isEmpty()) {
            throw new IllegalArgumentException("no class has two samples: nothing to validate the penalty on");
        }
        double[][] xTrain = rowsOf(x, trainPart);
        int[] yTrain = labelsOf(y, trainPart);
        double[][] xVal = rowsOf(x, validationPart);
        int[] yVal = labelsOf(y, validationPart);

        SortedMap<Double, Double> validationTop1 = new TreeMap<>();
        double bestPenalty = Double.NaN;
        double bestTop1 = -1;
        double bestLoss = Double.POSITIVE_INFINITY;
        for (double penalty : config.penalties().stream().sorted(Comparator.reverseOrder()).toList()) {
            SoftmaxRegression model = fit(xTrain, yTrain, numClasses, penalty, config);
            double top1 = ClassificationMetrics.of(i -> model.logits(xVal[i]), yVal, numClasses).top1();
            double loss = model.meanCrossEntropy(xVal, yVal);
            validationTop1.put(penalty, top1);
            if (top1 > bestTop1 || (top1 == bestTop1 && loss < bestLoss)) {
                bestPenalty = penalty;
                bestTop1 = top1;
                bestLoss = loss;
            }
        }

        SoftmaxRegression model = fit(x, y, numClasses, bestPenalty, config);
        double[][] xTest = Embeddings.normalizedRows(testFeatures);
        ClassificationMetrics test = ClassificationMetrics.of(i -> model.logits(xTest[i]), testLabels, numClasses);
        return new Result(bestPenalty, Collections.unmodifiableSortedMap(validationTop1), model, test);
    }

    /** Stratified seeded split of canonical positions into {@code train} and {@code validation}. */
    private static void split(int[] y, int numClasses, Config config, List<Integer> train, List<Integer> validation) {
        Random random = new Random(config.seed());
        for (int c = 0; c < numClasses; c++) {
            int label = c;
            List<Integer> members = new ArrayList<>(IntStream.range(0, y.length).filter(i -> y[i] == label).boxed()
                    .toList());
            Collections.shuffle(members, random);
            int size = members.size();
            long wanted = Math.max(1, Math.round(config.validationFraction() * size));
            int held = size < 2 ? 0 : (int) Math.min(size - 1, wanted);
            validation.addAll(members.subList(0, held));
            train.addAll(members.subList(held, size));
        }
    }

    private static SoftmaxRegression fit(double[][] x, int[] y, int numClasses, double penalty, Config config) {
        return SoftmaxRegression.fit(x, y, numClasses, penalty, config.maxIterations(), config.gradientTolerance());
    }

    private static double[][] rowsOf(double[][] x, List<Integer> positions) {
        return positions.stream().map(i -> x[i]).toArray(double[][]::new);
    }

    private static int[] labelsOf(int[] y, List<Integer> positions) {
        return positions.stream().mapToInt(i -> y[i]).toArray();
    }
}
