package ai.superclip.eval;

import java.util.Arrays;

/** Helpers for embedding matrices: row-major conversion, L2 normalisation, dot products. */
public final class Embeddings {

    private Embeddings() {
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

    /** {@code v / |v|} in place; {@code what} names the vector in the error message. */
    static double[] normalize(double[] v, String what) {
        double norm = Math.sqrt(dot(v, v));
        if (!(norm > 0) || Double.isInfinite(norm)) {
            throw new IllegalArgumentException(what + " has norm " + norm + " and cannot be L2-normalised");
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= norm;
        }
        return v;
    }

    /** Dot product, summed in index order. */
    static double dot(double[] a, double[] b) {
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
