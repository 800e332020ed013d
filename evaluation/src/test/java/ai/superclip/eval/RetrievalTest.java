package ai.superclip.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetrievalTest {

    /**
     * Images are the axes e0, e1, e2, so a text's score against image i is its normalised i-th component.
     * Captions: image 0 has t0, t1; image 1 has t2, t5; image 2 has t3, t4.
     */
    private static final float[][] IMAGES = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    private static final float[][] TEXTS = {
            {1, 0, 0},      // t0 -> image 0 ranks 1st
            {0, 1, 0},      // t1 -> image 1 first, then images 0 and 2 tie at 0: image 0 ranks 2nd
            {0.6f, 0.8f, 0}, // t2 -> image 1 ranks 1st
            {0.8f, 0, 0.6f}, // t3 -> image 2 ranks 2nd
            {0, 0, 1},      // t4 -> image 2 ranks 1st
            {1, 1, 0},      // t5 -> images 0 and 1 tie exactly: image 0 wins, image 1 ranks 2nd
    };
    private static final int[] IMAGE_OF_TEXT = {0, 0, 1, 2, 2, 1};

    @Test
    void handComputedRecallsAndRanks() {
        Retrieval.RetrievalMetrics m = Retrieval.evaluate(IMAGES, TEXTS, IMAGE_OF_TEXT, Retrieval.DEFAULT_KS);

        // text->image ranks: 1, 2, 1, 2, 1, 2
        Retrieval.Direction t2i = m.textToImage();
        assertEquals(0.5, t2i.recallAt(1), 1e-15);
        assertEquals(1.0, t2i.recallAt(5), 0.0);
        assertEquals(1.0, t2i.recallAt(10), 0.0);
        assertEquals(1.5, t2i.meanRank(), 1e-15);
        assertEquals(1.5, t2i.medianRank(), 0.0);

        // image 0 ranks texts t0 (1), t3 (.8), t5 (.71), t2 (.6), ... -> first caption t0 at 1
        // image 1 ranks t1 (1), t2 (.8), t5 (.71), ...              -> first caption t2 at 2
        // image 2 ranks t4 (1), t3 (.6), ...                         -> first caption t4 at 1
        Retrieval.Direction i2t = m.imageToText();
        assertEquals(2.0 / 3, i2t.recallAt(1), 1e-15);
        assertEquals(1.0, i2t.recallAt(5), 0.0);
        assertEquals(4.0 / 3, i2t.meanRank(), 1e-15);
        assertEquals(1.0, i2t.medianRank(), 0.0);

        assertEquals(1.0 / 3, t2i.chanceAt(1), 1e-15);
        assertEquals(1.0, t2i.chanceAt(5), 0.0, "K capped at the number of images");
        assertEquals(1.0 / 3, i2t.chanceAt(1), 1e-15, "2 of 6 texts correct per image");
        assertEquals(1.0, i2t.chanceAt(5), 1e-15, "only 4 wrong texts: any 5 contain a correct one");
    }

    @Test
    void identicalImagesTieAndTheLowerIndexWins() {
        float[][] images = {{1, 0}, {1, 0}};
        float[][] texts = {{1, 0}, {1, 0}};
        Retrieval.RetrievalMetrics m = Retrieval.evaluate(images, texts, new int[] {1, 0}, 1);
        // t0 belongs to image 1 but image 0 wins the tie; t1 belongs to image 0 -> ranks 2, 1
        assertEquals(0.5, m.textToImage().recallAt(1), 0.0);
        // image 0's caption t1 loses the tie to t0; image 1's caption t0 wins -> ranks 2, 1
        assertEquals(0.5, m.imageToText().recallAt(1), 0.0);
        assertEquals(1.5, m.imageToText().medianRank(), 0.0);
    }

    @Test
    void imageToTextChanceMatchesEnumerationOfAllRankings() {
        // 5 texts, the image has 2 captions (texts 0 and 1), K = 2: 1 - C(3,2)/C(5,2) = 0.7
        assertEquals(0.7, Retrieval.imageToTextChance(new int[] {2}, 5, 2), 1e-15);
        int hits = 0;
        List<int[]> perms = permutations(new int[] {0, 1, 2, 3, 4});
        for (int[] order : perms) {
            hits += order[0] < 2 || order[1] < 2 ? 1 : 0;
        }
        assertEquals((double) hits / perms.size(), Retrieval.imageToTextChance(new int[] {2}, 5, 2), 1e-15);
    }

    @Test
    void everyImageNeedsACaption() {
        assertThrows(IllegalArgumentException.class,
                () -> Retrieval.evaluate(IMAGES, new float[][] {{1, 0, 0}}, new int[] {0}, 1));
    }

    @Test
    void onlyEvaluatedCutOffsCanBeRead() {
        Retrieval.RetrievalMetrics m = Retrieval.evaluate(IMAGES, TEXTS, IMAGE_OF_TEXT, 1, 5);
        assertThrows(IllegalArgumentException.class, () -> m.imageToText().recallAt(3));
    }

    private static List<int[]> permutations(int[] items) {
        List<int[]> out = new ArrayList<>();
        permute(items, 0, out);
        return out;
    }

    private static void permute(int[] a, int from, List<int[]> out) {
        if (from == a.length) {
            out.add(a.clone());
            return;
        }
        for (int i = from; i < a.length; i++) {
            int t = a[from];
            a[from] = a[i];
            a[i] = t;
            permute(a, from + 1, out);
            a[i] = a[from];
            a[from] = t;
        }
    }
}
