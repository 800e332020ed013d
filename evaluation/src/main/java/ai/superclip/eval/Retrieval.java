package ai.superclip.eval;

import ai.superclip.inference.Embeddings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntToDoubleFunction;
import java.util.stream.IntStream;

/**
 * Image-text retrieval by the CLIP_benchmark definitions, with several captions per image.
 *
 * <p>Embeddings are L2-normalised, so {@code score(t, i) = text_t · image_i} is a cosine similarity.
 * <ul>
 *   <li>Text→image R@K: share of captions whose own image ranks within the top K images.</li>
 *   <li>Image→text R@K: share of images with at least one of their captions within the top K texts.</li>
 *   <li>Rank: the 1-based position of the first correct item; mean and median over queries (the median of
 *       an even count is the mean of the two middle ranks).</li>
 * </ul>
 * Equal scores are ordered by index, the lower index first ({@link Ranking}).
 */
public final class Retrieval {

    /** The recall cut-offs reported by default. */
    public static final int[] DEFAULT_KS = {1, 5, 10};

    private Retrieval() {
    }

    /**
     * Scores both directions.
     *
     * @param imageEmbeddings {@code [N_images, E]}
     * @param textEmbeddings {@code [N_texts, E]}
     * @param imageOfText {@code imageOfText[t]} is the index of the image that caption t describes; every
     *     image needs at least one caption
     * @param ks recall cut-offs, e.g. {@link #DEFAULT_KS}
     */
    public static RetrievalMetrics evaluate(float[][] imageEmbeddings, float[][] textEmbeddings, int[] imageOfText,
                                            int... ks) {
        double[][] images = Embeddings.normalizedRows(imageEmbeddings);
        double[][] texts = Embeddings.normalizedRows(textEmbeddings);
        if (texts.length != imageOfText.length) {
            throw new IllegalArgumentException(texts.length + " texts but " + imageOfText.length + " image indices");
        }
        List<List<Integer>> captionsOf = captionsPerImage(imageOfText, images.length);

        int[] textToImageRank = new int[texts.length];
        IntStream.range(0, texts.length).parallel().forEach(t -> {
            double[] scores = new double[images.length];
            for (int i = 0; i < images.length; i++) {
                scores[i] = Embeddings.dot(texts[t], images[i]);
            }
            textToImageRank[t] = Ranking.rank(scores, imageOfText[t]);
        });

        int[] imageToTextRank = new int[images.length];
        IntStream.range(0, images.length).parallel().forEach(i -> {
            double[] scores = new double[texts.length];
            for (int t = 0; t < texts.length; t++) {
                scores[t] = Embeddings.dot(texts[t], images[i]);
            }
            imageToTextRank[i] = captionsOf.get(i).stream().mapToInt(t -> Ranking.rank(scores, t)).min().orElseThrow();
        });

        int[] captionCounts = captionsOf.stream().mapToInt(List::size).toArray();
        return new RetrievalMetrics(
                Direction.of(imageToTextRank, ks, k -> imageToTextChance(captionCounts, texts.length, k)),
                Direction.of(textToImageRank, ks, k -> (double) Math.min(k, images.length) / images.length));
    }

    /**
     * Chance R@K for image→text under a uniformly random ranking of the texts, exactly: the mean over images of
     * {@code 1 − C(N_t − m_i, K) / C(N_t, K)}, where {@code m_i} is the number of captions of image i and
     * K is capped at {@code N_t}.
     */
    static double imageToTextChance(int[] captionCounts, int numTexts, int k) {
        int cut = Math.min(k, numTexts);
        double sum = 0;
        for (int m : captionCounts) {
            double allMissed = 1; // C(N_t - m, K) / C(N_t, K) as a product of K ratios
            for (int j = 0; j < cut; j++) {
                allMissed *= Math.max(0, numTexts - m - j) / (double) (numTexts - j);
            }
            sum += 1 - allMissed;
        }
        return sum / captionCounts.length;
    }

    private static List<List<Integer>> captionsPerImage(int[] imageOfText, int numImages) {
        if (numImages == 0) {
            throw new IllegalArgumentException("no images");
        }
        List<List<Integer>> captionsOf = new ArrayList<>();
        for (int i = 0; i < numImages; i++) {
            captionsOf.add(new ArrayList<>());
        }
        for (int t = 0; t < imageOfText.length; t++) {
            if (imageOfText[t] < 0 || imageOfText[t] >= numImages) {
                throw new IllegalArgumentException("caption " + t + " points to image " + imageOfText[t]
                        + " outside [0, " + numImages + ")");
            }
            captionsOf.get(imageOfText[t]).add(t);
        }
        for (int i = 0; i < numImages; i++) {
            if (captionsOf.get(i).isEmpty()) {
                throw new IllegalArgumentException("image " + i + " has no caption");
            }
        }
        return captionsOf;
    }

    /**
     * The metrics of one direction.
     *
     * @param recall R@K per cut-off, in the order of {@code ks}
     * @param ks the cut-offs
     * @param chance R@K of a uniformly random ranking, per cut-off
     * @param meanRank mean 1-based rank of the first correct item
     * @param medianRank median of those ranks
     */
    public record Direction(int[] ks, double[] recall, double[] chance, double meanRank, double medianRank) {

        static Direction of(int[] ranks, int[] ks, IntToDoubleFunction chanceAt) {
            if (ks.length == 0) {
                throw new IllegalArgumentException("no recall cut-offs given");
            }
            double[] recall = new double[ks.length];
            double[] chance = new double[ks.length];
            for (int j = 0; j < ks.length; j++) {
                if (ks[j] < 1) {
                    throw new IllegalArgumentException("recall cut-off must be >= 1, got " + ks[j]);
                }
                int k = ks[j];
                recall[j] = (double) IntStream.of(ranks).filter(r -> r <= k).count() / ranks.length;
                chance[j] = chanceAt.applyAsDouble(k);
            }
            int[] sorted = ranks.clone();
            Arrays.sort(sorted);
            int mid = sorted.length / 2;
            double median = sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
            return new Direction(ks.clone(), recall, chance, IntStream.of(ranks).average().orElseThrow(), median);
        }

        /** R@K for a cut-off K that was evaluated. */
        public double recallAt(int k) {
            return recall[indexOf(k)];
        }

        /** Chance R@K for a cut-off K that was evaluated. */
        public double chanceAt(int k) {
            return chance[indexOf(k)];
        }

        private int indexOf(int k) {
            for (int j = 0; j < ks.length; j++) {
                if (ks[j] == k) {
                    return j;
                }
            }
            throw new IllegalArgumentException("R@" + k + " was not evaluated; cut-offs: " + Arrays.toString(ks));
        }
    }

    /** Both directions of one evaluation. */
    public record RetrievalMetrics(Direction imageToText, Direction textToImage) {
    }
}
