package ai.superclip.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {

    /**
     * Four classes; class 2 has samples but is never predicted, class 3 is predicted once but has no samples,
     * samples 1, 2 and 5 contain exact ties.
     */
    @Test
    void handMadeCaseWithTiesAndMissingClasses() {
        double[][] scores = {
                {0.9, 0.1, 0.0, 0.0}, // label 0 -> predicted 0
                {0.5, 0.5, 0.0, 0.0}, // label 1 -> tie, lower index 0 wins; true class ranks 2nd
                {0.5, 0.5, 0.0, 0.0}, // label 0 -> predicted 0
                {0.2, 0.3, 0.1, 0.0}, // label 1 -> predicted 1
                {0.1, 0.6, 0.3, 0.0}, // label 2 -> predicted 1
                {0.0, 0.0, 0.0, 0.0}, // label 2 -> all tied: predicted 0, true class ranks 3rd
                {0.0, 0.0, 0.1, 0.7}, // label 0 -> predicted 3; true class ranks 3rd
        };
        int[] labels = {0, 1, 0, 1, 2, 2, 0};

        ClassificationMetrics m = ClassificationMetrics.of(scores, labels, 4);

        assertEquals(3.0 / 7, m.top1(), 1e-15);
        assertEquals(1.0, m.top5(), 0.0, "top-5 with 4 classes covers every class");
        assertArrayEquals(new int[][] {{2, 0, 0, 1}, {1, 1, 0, 0}, {1, 1, 0, 0}, {0, 0, 0, 0}}, m.confusion());
        assertEquals(2.0 / 3, m.perClassRecall()[0], 1e-15);
        assertEquals(0.5, m.perClassRecall()[1], 1e-15);
        assertEquals(0.0, m.perClassRecall()[2], 0.0, "never predicted: recall 0, included in the mean");
        assertTrue(Double.isNaN(m.perClassRecall()[3]), "no samples: undefined, excluded from the mean");
        assertEquals((2.0 / 3 + 0.5 + 0.0) / 3, m.meanPerClassRecall(), 1e-15);
        assertEquals(0.25, m.chance(), 0.0);
        assertEquals(7, m.numSamples());
    }

    @Test
    void topFiveBoundaryWithTies() {
        double[] row = {9, 8, 7, 6, 5, 5, 1, 1, 1, 1};
        // label 4 ranks 5th; label 5 ties with 4 and loses on index, so it ranks 6th
        ClassificationMetrics m = ClassificationMetrics.of(new double[][] {row, row}, new int[] {4, 5}, 10);
        assertEquals(0.5, m.top5(), 0.0);
        assertEquals(0.0, m.top1(), 0.0);
    }

    @Test
    void rankingRuleIsLowerIndexFirst() {
        double[] scores = {1, 3, 3, 2};
        assertEquals(1, Ranking.argmax(scores));
        assertEquals(1, Ranking.rank(scores, 1));
        assertEquals(2, Ranking.rank(scores, 2));
        assertEquals(3, Ranking.rank(scores, 3));
        assertEquals(4, Ranking.rank(scores, 0));
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.of(new double[][] {{Double.NaN, 1}}, new int[] {0}, 2));
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.of(new double[][] {{0, 1}}, new int[] {2}, 2));
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.of(new double[][] {{0, 1, 2}}, new int[] {0}, 2));
    }
}
