package ai.superclip.eval;

import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Top-1, top-5, mean per-class recall and the confusion matrix of a classifier's scores.
 *
 * <p>Ranking follows {@link Ranking}: equal scores go to the lower class index, so the predicted class is
 * the lowest index with the highest score. Top-k counts a sample as correct when its true class ranks
 * within the first {@code min(k, numClasses)} classes, so top-5 with fewer than 5 classes is 1.
 *
 * <p>Mean per-class recall (sklearn's {@code balanced_accuracy_score}, CLIP_benchmark's
 * {@code mean_per_class_recall}) averages {@code perClassRecall} over the classes that have at least one
 * sample; a class with no samples has recall NaN and is left out of the mean. A class that is never
 * predicted but has samples counts with recall 0.
 *
 * @param numSamples number of evaluated samples
 * @param numClasses number of classes C
 * @param top1 share of samples whose top-ranked class is the true one
 * @param top5 share of samples whose true class is among the top {@code min(5, C)}
 * @param meanPerClassRecall mean of the defined per-class recalls
 * @param perClassRecall recall of each class, NaN for classes without samples (not copied; do not modify)
 * @param confusion {@code confusion[true][predicted]} sample counts (not copied; do not modify)
 * @param predicted each sample's top-ranked class (not copied; do not modify)
 */
public record ClassificationMetrics(int numSamples, int numClasses, double top1, double top5,
                                    double meanPerClassRecall, double[] perClassRecall, int[][] confusion,
                                    int[] predicted) {

    /** Metrics of a score matrix {@code scores[sample][class]} against labels in {@code [0, numClasses)}. */
    public static ClassificationMetrics of(double[][] scores, int[] labels, int numClasses) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException(scores.length + " score rows but " + labels.length + " labels");
        }
        return of(i -> scores[i], labels, numClasses);
    }

    /**
     * Metrics where {@code scoresOf.apply(i)} computes sample i's class scores on demand, so a large score
     * matrix never has to exist at once. Samples are scored in parallel; the result does not depend on it.
     */
    static ClassificationMetrics of(IntFunction<double[]> scoresOf, int[] labels, int numClasses) {
        int n = labels.length;
        if (n == 0) {
            throw new IllegalArgumentException("no samples");
        }
        int[] predicted = new int[n];
        int[] trueRank = new int[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            double[] scores = scoresOf.apply(i);
            if (scores.length != numClasses) {
                throw new IllegalArgumentException("sample " + i + " has " + scores.length + " scores, expected "
                        + numClasses);
            }
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " outside [0, "
                        + numClasses + ")");
            }
            predicted[i] = Ranking.argmax(scores);
            trueRank[i] = Ranking.rank(scores, labels[i]);
        });

        int[][] confusion = new int[numClasses][numClasses];
        int within1 = 0;
        int within5 = 0;
        for (int i = 0; i < n; i++) {
            confusion[labels[i]][predicted[i]]++;
            within1 += trueRank[i] <= 1 ? 1 : 0;
            within5 += trueRank[i] <= 5 ? 1 : 0;
        }
        double[] perClassRecall = new double[numClasses];
        double recallSum = 0;
        int classesWithSamples = 0;
        for (int c = 0; c < numClasses; c++) {
            int support = IntStream.of(confusion[c]).sum();
            perClassRecall[c] = support == 0 ? Double.NaN : (double) confusion[c][c] / support;
            if (support > 0) {
                recallSum += perClassRecall[c];
                classesWithSamples++;
            }
        }
        return new ClassificationMetrics(n, numClasses, (double) within1 / n, (double) within5 / n,
                recallSum / classesWithSamples, perClassRecall, confusion, predicted);
    }

    /** Top-1 accuracy of guessing uniformly at random: {@code 1 / numClasses}. */
    public double chance() {
        return 1.0 / numClasses;
    }
}
