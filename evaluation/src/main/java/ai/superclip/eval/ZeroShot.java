package ai.superclip.eval;

import ai.onnxruntime.OrtException;
import ai.superclip.inference.Embeddings;
import ai.superclip.inference.TextEmbedder;
import ai.superclip.inference.ZeroShotClassifier;
import java.util.List;

/**
 * Zero-shot classification by the OpenCLIP / CLIP_benchmark protocol: a class's weight is the re-normalised
 * mean of its L2-normalised prompt embeddings, and logits are {@code 100 · f · Wᵀ} with L2-normalised image
 * embeddings f. The weights come from the SDK's {@link ZeroShotClassifier#prototypes}, so the benchmarks and
 * the SDK's classifier share one implementation.
 */
public final class ZeroShot {

    /** CLIP's fixed logit scale at evaluation time. */
    public static final double LOGIT_SCALE = ZeroShotClassifier.SCALE;

    private ZeroShot() {
    }

    /**
     * The classifier weight matrix {@code [C, E]} for class names filled into templates
     * ({@link TemplateSet#fill}); see {@link ZeroShotClassifier#prototypes(TextEmbedder, List, List)}.
     *
     * @throws IllegalArgumentException if the embedder returns the wrong number of rows, rows of unequal
     *     length, or a vector (single or mean) that cannot be normalised
     */
    public static float[][] classifierWeights(List<String> classNames, TemplateSet templates, TextEmbedder embedder)
            throws OrtException {
        return ZeroShotClassifier.prototypes(embedder, classNames, templates.templates());
    }

    /**
     * The classifier weight matrix {@code [C, E]} from explicit prompts per class, e.g. several in-domain
     * captions per class (prompt ensembling); see {@link ZeroShotClassifier#prototypes(TextEmbedder, List)}.
     */
    public static float[][] classifierWeights(List<List<String>> promptsPerClass, TextEmbedder embedder)
            throws OrtException {
        return ZeroShotClassifier.prototypes(embedder, promptsPerClass);
    }

    /**
     * Classifies image embeddings {@code [N, E]} with a weight matrix {@code [C, E]} from
     * {@link #classifierWeights}: top-1, top-5, mean per-class recall and confusion matrix of the logits
     * {@code 100 · normalise(f) · Wᵀ}.
     */
    public static ClassificationMetrics evaluate(float[][] imageEmbeddings, float[][] classWeights, int[] labels) {
        if (imageEmbeddings.length != labels.length) {
            throw new IllegalArgumentException(imageEmbeddings.length + " images but " + labels.length + " labels");
        }
        double[][] images = Embeddings.normalizedRows(imageEmbeddings);
        double[][] weights = toDouble(classWeights);
        return ClassificationMetrics.of(i -> logits(images[i], weights), labels, weights.length);
    }

    private static double[] logits(double[] image, double[][] weights) {
        double[] logits = new double[weights.length];
        for (int c = 0; c < weights.length; c++) {
            logits[c] = LOGIT_SCALE * Embeddings.dot(image, weights[c]);
        }
        return logits;
    }

    private static double[][] toDouble(float[][] m) {
        double[][] out = new double[m.length][];
        for (int r = 0; r < m.length; r++) {
            out[r] = new double[m[r].length];
            for (int i = 0; i < m[r].length; i++) {
                out[r][i] = m[r][i];
            }
        }
        return out;
    }
}
