package ai.superclip.artifacts;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named float32 tensor: {@code values} in row-major order for the given {@code shape}
 * ({@code []} for a scalar). The arrays are held as given, not copied, because weights can be
 * large; {@link #equals} compares them by content.
 */
public record NamedArray(String name, long[] shape, float[] values) {

    public NamedArray {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, () -> "shape of tensor '" + name + "'");
        Objects.requireNonNull(values, () -> "values of tensor '" + name + "'");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must not be empty");
        }
        long count = elementCount(shape);
        if (count < 0) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape)
                    + " has a negative dimension or more than " + Integer.MAX_VALUE + " elements");
        }
        if (count != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " has "
                    + count + " elements but " + values.length + " values were given");
        }
    }

    /** The product of {@code shape}, or -1 if a dimension is negative or the product exceeds an array's size. */
    static long elementCount(long[] shape) {
        for (long dim : shape) {
            if (dim < 0) {
                return -1;
            }
        }
        for (long dim : shape) {
            if (dim == 0) {
                return 0;
            }
        }
        long count = 1;
        for (long dim : shape) {
            if (dim > Integer.MAX_VALUE / count) {
                return -1;
            }
            count *= dim;
        }
        return count;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamedArray other
                && name.equals(other.name)
                && Arrays.equals(shape, other.shape)
                && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "NamedArray[" + name + " " + Arrays.toString(shape) + "]";
    }
}
