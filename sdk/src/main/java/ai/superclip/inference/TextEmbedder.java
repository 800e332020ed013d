package ai.superclip.inference;

import ai.onnxruntime.OrtException;
import java.util.List;

/**
 * Turns texts into embeddings, one row per text, in input order: a {@link TextEncoder}
 * ({@code textEncoder::encode}) or any other text tower, e.g. a fake in tests.
 */
@FunctionalInterface
public interface TextEmbedder {

    /** Embeddings {@code [texts.size(), E]}; they need not be normalised. */
    float[][] embed(List<String> texts) throws OrtException;
}
