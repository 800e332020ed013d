package ai.superclip.eval;

/**
 * The one ranking rule every metric in this package uses: items are sorted by score, highest first, and
 * <b>equal scores are ordered by index, the lower index first</b>. (PyTorch's {@code topk} leaves ties
 * unspecified, so reference numbers can differ from ours only on exact ties.)
 */
final class Ranking {

    private Ranking() {
    }

    /**
     * 1-based position of {@code target} in the ranking of {@code scores}: 1 plus the number of items with a
     * higher score, or an equal score and a lower index.
     *
     * @throws IllegalArgumentException if a score is NaN
     */
    static int rank(double[] scores, int target) {
        double own = scores[target];
        int ahead = 0;
        for (int i = 0; i < scores.length; i++) {
            double s = requireNotNaN(scores[i]);
            if (s > own || (s == own && i < target)) {
                ahead++;
            }
        }
        return ahead + 1;
    }

    /** The top-ranked index: the highest score, the lowest index among equal scores. */
    static int argmax(double[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (requireNotNaN(scores[i]) > requireNotNaN(scores[best])) {
                best = i;
            }
        }
        return best;
    }

    private static double requireNotNaN(double score) {
        if (Double.isNaN(score)) {
            throw new IllegalArgumentException("score is NaN");
        }
        return score;
    }
}
