package ai.superclip.inference;

import java.util.Arrays;

/**
 * Vector helpers shared by the inference classes and the evaluation module: float helpers for scoring
 * (lenient: a zero vector stays zero) and strict double-precision ones for metrics and class prototypes
 * (a zero or non-finite vector is an error).
 */
public final class Embeddings {
    private Embeddings() {
    }

    /** Dot product of two equal-length vectors (the cosine of L2-normalised embeddings), summed in double. */
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

    /**
     * The mean cosine of matching rows of two sets of L2-normalised embeddings of the same inputs (one model's
     * and, say, its quantised copy's).
     */
    public static double meanCosine(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("row counts differ: " + a.length + " vs " + b.length);
        }
        double sum = 0;
        for (int r = 0; r < a.length; r++) {
            sum += dot(a[r], b[r]);
        }
        return sum / a.length;
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

    /**
     * Splits a row-major buffer, e.g. an ONNX Runtime output of shape {@code [rows, cols]}, into rows.
     *
     * @throws IllegalArgumentException if {@code data.length != rows * cols}
     */
    public static float[][] rows(float[] data, int rows, int cols) {
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException(
                    "buffer of " + data.length + " floats is not [" + rows + ", " + cols + "]");
        }
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(data, r * cols, (r + 1) * cols);
        }
        return out;
    }

    /**
     * Each row divided by its Euclidean norm, in double precision.
     *
     * @throws IllegalArgumentException if rows differ in length or a row is all zeros or not finite
     */
    public static double[][] normalizedRows(float[][] rows) {
        double[][] out = new double[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != rows[0].length) {
                throw new IllegalArgumentException("row " + r + " has " + rows[r].length + " values, row 0 has "
                        + rows[0].length);
            }
            double[] row = new double[rows[r].length];
            for (int i = 0; i < row.length; i++) {
                row[i] = rows[r][i];
            }
            out[r] = normalize(row, "row " + r);
        }
        return out;
    }

    /**
     * {@code v / |v|} in place, in double precision; {@code what} names the vector in the error message.
     *
     * @throws IllegalArgumentException if the norm is zero, NaN or infinite
     */
    public static double[] normalize(double[] v, String what) {
        double norm = Math.sqrt(dot(v, v));
        if (!(norm > 0) || Double.isInfinite(norm)) {
            throw new IllegalArgumentException(what + " has norm " + norm + " and cannot be L2-normalised");
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= norm;
        }
        return v;
    }

    /** Dot product in double precision, summed in index order. */
    public static double dot(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("dimension mismatch: " + a.length + " vs " + b.length);
        }
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
