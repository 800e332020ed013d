package ai.superclip.inference;

import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.List;

/**
 * Zero-shot classification by the CLIP protocol (OpenCLIP / CLIP_benchmark): each class's prototype is the
 * re-normalised mean of the L2-normalised embeddings of its prompts (its name filled into every template, or
 * an explicit list of prompts per class), computed in double precision; an image's scores are
 * {@code 100 · cosine} to each prototype, and its classes are ranked by score.
 *
 * <p>The evaluation module's {@code ZeroShot} builds its classifier weights with {@link #prototypes}, so the
 * SDK and the benchmarks share one implementation.
 */
public final class ZeroShotClassifier {
    /** The logit scale of the protocol (scores are 100 · cosine). */
    public static final float SCALE = 100f;
    /** The placeholder a template's class name replaces. */
    public static final String PLACEHOLDER = "{}";

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

    /**
     * Builds the class prototypes from explicit prompts: {@code promptsPerClass.get(c)} are the texts averaged
     * into class c's prototype (e.g. several in-domain captions per class).
     */
    public static ZeroShotClassifier build(TextEmbedder text, List<String> classNames,
                                           List<List<String>> promptsPerClass) throws OrtException {
        if (classNames.size() != promptsPerClass.size()) {
            throw new IllegalArgumentException(classNames.size() + " class names but prompts for "
                    + promptsPerClass.size() + " classes");
        }
        return new ZeroShotClassifier(classNames, prototypes(text, promptsPerClass));
    }

    /**
     * The class prototypes {@code [C, E]} for {@code classNames} × {@code templates}: every template with
     * {@code {}} replaced by the class name, in template order, then {@link #prototypes(TextEmbedder, List)}.
     *
     * @throws IllegalArgumentException if there are no class names or templates
     */
    public static float[][] prototypes(TextEmbedder text, List<String> classNames, List<String> templates)
            throws OrtException {
        if (classNames.isEmpty() || templates.isEmpty()) {
            throw new IllegalArgumentException("zero-shot classification needs class names and templates");
        }
        List<List<String>> prompts = new ArrayList<>();
        for (String name : classNames) {
            List<String> filled = new ArrayList<>(templates.size());
            for (String t : templates) {
                filled.add(t.replace(PLACEHOLDER, name));
            }
            prompts.add(filled);
        }
        return prototypes(text, prompts);
    }

    /**
     * The class prototypes {@code [C, E]} from explicit prompts per class. All prompts are embedded in one
     * call, class by class in order; each embedding is L2-normalised, a class's normalised embeddings are
     * averaged and the mean is L2-normalised again (double precision throughout).
     *
     * @throws IllegalArgumentException if there are no classes, a class has no prompts, the embedder returns
     *     the wrong number of rows or rows of unequal width, or a vector (single or mean) cannot be normalised
     */
    public static float[][] prototypes(TextEmbedder text, List<List<String>> promptsPerClass) throws OrtException {
        if (promptsPerClass.isEmpty()) {
            throw new IllegalArgumentException("zero-shot classification needs at least one class");
        }
        List<String> all = new ArrayList<>();
        for (int c = 0; c < promptsPerClass.size(); c++) {
            if (promptsPerClass.get(c).isEmpty()) {
                throw new IllegalArgumentException("class " + c + " has no prompts");
            }
            all.addAll(promptsPerClass.get(c));
        }
        float[][] embedded = text.embed(all);
        if (embedded.length != all.size()) {
            throw new IllegalArgumentException("embedder returned " + embedded.length + " rows for " + all.size()
                    + " texts");
        }
        double[][] normalised = Embeddings.normalizedRows(embedded);
        float[][] out = new float[promptsPerClass.size()][];
        int row = 0;
        for (int c = 0; c < out.length; c++) {
            int n = promptsPerClass.get(c).size();
            double[] mean = new double[normalised[0].length];
            for (int k = 0; k < n; k++, row++) {
                for (int i = 0; i < mean.length; i++) {
                    mean[i] += normalised[row][i] / n;
                }
            }
            Embeddings.normalize(mean, "mean prompt embedding of class " + c + " ('" + promptsPerClass.get(c).get(0)
                    + "', …)");
            out[c] = new float[mean.length];
            for (int i = 0; i < mean.length; i++) {
                out[c][i] = (float) mean[i];
            }
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
