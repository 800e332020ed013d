package ai.superclip.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Keeps the {@code k} best of the (index, score) pairs offered to it; ties go to the lower index, so results are
 * deterministic. Holds k entries whatever the number offered.
 */
public final class TopK {
    /** One kept pair. */
    public record Hit(int index, float score) {
    }

    private final int k;
    private final PriorityQueue<Hit> worstFirst = new PriorityQueue<>((a, b) -> a.score() != b.score()
            ? Float.compare(a.score(), b.score()) : Integer.compare(b.index(), a.index()));

    /** A selection of the {@code k} (at least 1) best. */
    public TopK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        this.k = k;
    }

    /** Offers one pair. */
    public void offer(int index, float score) {
        if (worstFirst.size() == k) {
            Hit worst = worstFirst.peek();
            if (score < worst.score() || (score == worst.score() && index > worst.index())) {
                return;
            }
            worstFirst.poll();
        }
        worstFirst.add(new Hit(index, score));
    }

    /** The kept pairs, best first. */
    public List<Hit> bestFirst() {
        List<Hit> best = new ArrayList<>(worstFirst);
        best.sort(worstFirst.comparator().reversed());
        return best;
    }

    /** The {@code k} best of {@code scores}, labelled from {@code labels}, best first. */
    static List<ScoredItem> of(float[] scores, List<String> labels, int k) {
        TopK top = new TopK(k);
        for (int i = 0; i < scores.length; i++) {
            top.offer(i, scores[i]);
        }
        List<ScoredItem> out = new ArrayList<>();
        for (Hit h : top.bestFirst()) {
            out.add(new ScoredItem(h.index(), labels.get(h.index()), h.score()));
        }
        return out;
    }
}
