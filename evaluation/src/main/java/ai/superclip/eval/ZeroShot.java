package ai.superclip.eval;

import java.util.List;

/**
 * Zero-shot classification by the OpenCLIP / CLIP_benchmark protocol: a class's weight is the
 * re-normalised mean of its L2-normalised template embeddings, and logits are {@code 100 · f · Wᵀ} with
 * L2-normalised image embeddings f.
 */
public final class ZeroShot {

    /** CLIP's fixed logit scale at evaluation time. */
    public static final double LOGIT_SCALE = 100.0;

    private ZeroShot() {
    }

    /**
     * Builds the classifier weight matrix {@code [C, E]}. For each class, in order, the embedder is called once
     * with that class's filled templates ({@link TemplateSet#fill}); each embedding is L2-normalised, the
     * normalised embeddings are averaged and the mean is L2-normalised again.
     *
     * @throws IllegalArgumentException if the embedder returns the wrong number of rows, rows of unequal
     *     length, or a vector (single or mean) that cannot be normalised
     */
    public static float[][] classifierWeights(List<String> classNames, TemplateSet templates, TextEmbedder embedder) {
        float[][] weights = new float[classNames.size()][];
        for (int c = 0; c < classNames.size(); c++) {
            List<String> texts = templates.fill(classNames.get(c));
            float[][] embedded = embedder.embed(texts);
            if (embedded.length != texts.size()) {
                throw new IllegalArgumentException("embedder returned " + embedded.length + " rows for "
                        + texts.size() + " texts");
            }
            double[] mean = new double[embedded[0].length];
            for (double[] row : Embeddings.normalizedRows(embedded)) {
                for (int i = 0; i < mean.length; i++) {
                    mean[i] += row[i] / texts.size();
                }
            }
            Embeddings.normalize(mean, "mean template embedding of class '" + classNames.get(c) + "'");
            weights[c] = toFloat(mean);
            if (c > 0 && weights[c].length != weights[0].length) {
                throw new IllegalArgumentException("class " + c + " has embedding size " + weights[c].length
                        + ", class 0 has " + weights[0].length);
            }
        }
        return weights;
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

    private static float[] toFloat(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
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
