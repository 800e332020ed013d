package ai.superclip.inference;

import java.util.ArrayList;
import java.util.List;

/**
 * Brute-force nearest neighbours by cosine over L2-normalised embeddings: text→image with image embeddings as
 * the index, image→text with caption embeddings.
 */
public final class Retriever {
    private final List<String> ids;
    private final float[][] index;

    /** Indexes {@code embeddings} (normalised copies), one per id. */
    public Retriever(List<String> ids, float[][] embeddings) {
        if (ids.size() != embeddings.length) {
            throw new IllegalArgumentException(ids.size() + " ids for " + embeddings.length + " embeddings");
        }
        this.ids = List.copyOf(ids);
        this.index = new float[embeddings.length][];
        for (int i = 0; i < embeddings.length; i++) {
            index[i] = Embeddings.normalize(embeddings[i].clone());
        }
    }

    public int size() {
        return index.length;
    }

    /** The {@code k} entries most similar to {@code query}, best first. */
    public List<ScoredItem> search(float[] query, int k) {
        float[] q = Embeddings.normalize(query.clone());
        float[] scores = new float[index.length];
        for (int i = 0; i < index.length; i++) {
            scores[i] = Embeddings.dot(q, index[i]);
        }
        return TopK.of(scores, ids, Math.min(k, index.length));
    }

    /** {@link #search} for several queries. */
    public List<List<ScoredItem>> searchAll(float[][] queries, int k) {
        List<List<ScoredItem>> out = new ArrayList<>();
        for (float[] q : queries) {
            out.add(search(q, k));
        }
        return out;
    }
}
