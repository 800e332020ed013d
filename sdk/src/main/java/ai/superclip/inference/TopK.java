package ai.superclip.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/** Top-k selection by score; ties go to the lower index, so results are deterministic. */
final class TopK {
    private TopK() {
    }

    static List<ScoredItem> of(float[] scores, List<String> labels, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        PriorityQueue<Integer> worstFirst = new PriorityQueue<>((a, b) -> scores[a] != scores[b]
                ? Float.compare(scores[a], scores[b]) : Integer.compare(b, a));
        for (int i = 0; i < scores.length; i++) {
            worstFirst.add(i);
            if (worstFirst.size() > k) {
                worstFirst.poll();
            }
        }
        List<ScoredItem> out = new ArrayList<>();
        while (!worstFirst.isEmpty()) {
            int i = worstFirst.poll();
            out.add(0, new ScoredItem(i, labels.get(i), scores[i]));
        }
        return out;
    }
}
