package ai.superclip.inference;

import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.List;

/**
 * Zero-shot classification by the CLIP protocol: each class's prototype is the normalised mean of the
 * normalised embeddings of its name filled into every template; an image's scores are 100 · cosine to each
 * prototype, and its classes are ranked by score.
 */
public final class ZeroShotClassifier {
    /** The logit scale of the protocol (scores are 100 · cosine). */
    public static final float SCALE = 100f;

    private final List<String> classNames;
    private final float[][] prototypes;

    private ZeroShotClassifier(List<String> classNames, float[][] prototypes) {
        this.classNames = List.copyOf(classNames);
        this.prototypes = prototypes;
    }

    /**
     * Builds the class prototypes with {@code text}.
     *
     * @param templates prompts with one {@code {}} for the class name, e.g. "a photo of a {}."
     */
    public static ZeroShotClassifier build(TextEncoder text, List<String> classNames, List<String> templates)
            throws OrtException {
        return new ZeroShotClassifier(classNames, prototypes(text::encode, classNames, templates));
    }

    /** Embeds a batch of texts (a {@link TextEncoder} or any other text tower). */
    @FunctionalInterface
    public interface TextEmbedder {
        float[][] embed(List<String> texts) throws OrtException;
    }

    /** The class prototypes [C, E] for {@code classNames} × {@code templates}. */
    public static float[][] prototypes(TextEmbedder text, List<String> classNames, List<String> templates)
            throws OrtException {
        if (classNames.isEmpty() || templates.isEmpty()) {
            throw new IllegalArgumentException("zero-shot classification needs class names and templates");
        }
        List<String> prompts = new ArrayList<>();
        for (String name : classNames) {
            for (String t : templates) {
                prompts.add(t.replace("{}", name));
            }
        }
        float[][] all = text.embed(prompts);
        float[][] out = new float[classNames.size()][];
        for (int c = 0; c < out.length; c++) {
            out[c] = Embeddings.normalizedMean(List.of(all).subList(c * templates.size(), (c + 1) * templates.size()));
        }
        return out;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** The prototypes [C, E]. */
    public float[][] prototypes() {
        return prototypes.clone();
    }

    /** Scores (100 · cosine) of one image embedding against every class. */
    public float[] scores(float[] imageEmbedding) {
        float[] img = Embeddings.normalize(imageEmbedding.clone());
        float[] s = new float[prototypes.length];
        for (int c = 0; c < s.length; c++) {
            s[c] = SCALE * Embeddings.dot(img, prototypes[c]);
        }
        return s;
    }

    /** The {@code k} best classes for an image embedding, best first. */
    public List<ScoredItem> classify(float[] imageEmbedding, int k) {
        return TopK.of(scores(imageEmbedding), classNames, Math.min(k, classNames.size()));
    }
}
