package ai.superclip.inference;

import java.util.List;

/** Small vector helpers shared by the inference classes. */
public final class Embeddings {
    private Embeddings() {
    }

    /** Dot product of two equal-length vectors (the cosine of L2-normalised embeddings). */
    public static float dot(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("embedding widths differ: " + a.length + " vs " + b.length);
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return (float) s;
    }

    /** Scales {@code v} in place to unit L2 norm (left as is if zero) and returns it. */
    public static float[] normalize(float[] v) {
        double n = 0;
        for (float x : v) {
            n += x * x;
        }
        n = Math.sqrt(n);
        if (n > 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] /= n;
            }
        }
        return v;
    }

    /** The normalised mean of normalised rows (zero-shot class prototypes from several prompts). */
    public static float[] normalizedMean(List<float[]> rows) {
        float[] mean = new float[rows.get(0).length];
        for (float[] r : rows) {
            float[] u = normalize(r.clone());
            for (int i = 0; i < mean.length; i++) {
                mean[i] += u[i];
            }
        }
        return normalize(mean);
    }
}
