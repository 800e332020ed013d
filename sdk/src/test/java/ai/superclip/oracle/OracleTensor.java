package ai.superclip.oracle;

import java.util.Arrays;

/**
 * A dense row-major tensor of doubles, the value type passed to and returned by {@link TorchOracle}.
 * A scalar has the shape {@code []} and one value.
 */
public record OracleTensor(long[] shape, double[] values) {

    public OracleTensor {
        shape = shape.clone();
        values = values.clone();
        if (Arrays.stream(shape).reduce(1, Math::multiplyExact) != values.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " does not hold " + values.length + " values");
        }
    }

    /** Widens float values (as our ONNX graphs hold them) to doubles. */
    public static OracleTensor fromFloats(long[] shape, float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return new OracleTensor(shape, d);
    }

    /** A tensor of zeros. */
    public static OracleTensor zeros(long... shape) {
        return new OracleTensor(shape, new double[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))]);
    }

    /** A copy with the value at flat index {@code i} replaced. */
    public OracleTensor with(int i, double value) {
        double[] v = values.clone();
        v[i] = value;
        return new OracleTensor(shape, v);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public double[] values() {
        return values.clone();
    }

    /** The value at flat (row-major) index {@code i}, without copying. */
    public double get(int i) {
        return values[i];
    }

    public int size() {
        return values.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OracleTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(values, t.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "OracleTensor" + Arrays.toString(shape);
    }
}
