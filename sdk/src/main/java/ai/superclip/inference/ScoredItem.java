package ai.superclip.inference;

/** One ranked result: an index into the candidates, its label or id, and its score. */
public record ScoredItem(int index, String label, float score) {
}
