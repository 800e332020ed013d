package ai.superclip.eval;

import java.util.List;

/** Turns texts into embeddings, one row per text, in input order; e.g. a CLIP text encoder. */
@FunctionalInterface
public interface TextEmbedder {

    /** Embeddings {@code [texts.size(), E]}; they need not be normalised. */
    float[][] embed(List<String> texts);
}
