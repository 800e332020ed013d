package ai.superclip.graph;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

/**
 * Static shapes. A shape is a {@code long[]}; {@link #UNKNOWN} (-1) marks a dimension known only at run
 * time, such as the batch. An unknown dimension is assumed never to broadcast (it is not 1).
 */
public final class Shape {
    /** A dimension fixed only at run time. */
    public static final long UNKNOWN = -1;

    private Shape() {
    }

    /** Whether every dimension is known. */
    public static boolean isStatic(long[] shape) {
        return Arrays.stream(shape).allMatch(d -> d >= 0);
    }

    /** The element count, or {@link #UNKNOWN} if a dimension is unknown. */
    public static long size(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return UNKNOWN;
            }
            n *= d;
        }
        return n;
    }

    /** The numpy-style broadcast of two shapes. */
    public static long[] broadcast(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = dimFromEnd(a, rank - 1 - i);
            long db = dimFromEnd(b, rank - 1 - i);
            if (da == 1) {
                out[i] = db;
            } else if (db == 1 || da == db) {
                out[i] = da;
            } else if (da < 0 || db < 0) {
                out[i] = Math.max(da, db);
            } else {
                throw new GraphException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            }
        }
        return out;
    }

    private static long dimFromEnd(long[] shape, int fromEnd) {
        int i = shape.length - 1 - fromEnd;
        return i >= 0 ? shape[i] : 1;
    }

    /** Normalises a possibly negative axis against a rank. */
    public static int axis(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new GraphException("axis " + axis + " out of range for rank " + rank);
        }
        return a;
    }

    /** A shape of {@code rank} unknown dimensions. */
    public static long[] unknown(int rank) {
        long[] out = new long[rank];
        Arrays.fill(out, UNKNOWN);
        return out;
    }

    /** The shape after reducing {@code axes}, kept as 1s or dropped. */
    public static long[] reduce(long[] s, long[] axes, boolean keepDims) {
        boolean[] reduced = new boolean[s.length];
        for (long a : axes) {
            reduced[axis((int) a, s.length)] = true;
        }
        return IntStream.range(0, s.length).filter(i -> !reduced[i] || keepDims)
                .mapToLong(i -> reduced[i] ? 1 : s[i]).toArray();
    }

    /** ONNX Reshape's target: 0 copies the input's dimension, one -1 takes what remains. */
    public static long[] reshape(long[] in, long[] target) {
        long[] out = target.clone();
        int inferred = -1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0) {
                out[i] = in[i];
            } else if (out[i] == -1) {
                if (inferred >= 0) {
                    throw new GraphException("Reshape target " + Arrays.toString(target) + " has two -1 entries");
                }
                inferred = i;
            }
        }
        if (inferred >= 0) {
            long total = size(in);
            long rest = 1;
            for (int i = 0; i < out.length; i++) {
                if (i != inferred) {
                    rest = out[i] < 0 ? UNKNOWN : rest * out[i];
                }
            }
            out[inferred] = (total < 0 || rest < 0) ? UNKNOWN : total / rest;
        } else if (isStatic(in) && isStatic(out) && size(in) != size(out)) {
            throw new GraphException("cannot reshape " + toString(in) + " to " + toString(out));
        }
        return out;
    }

    /** The (batched) matrix product of op(a) and op(b), op transposing the last two dimensions when asked. */
    public static long[] matmul(long[] a, long[] b, boolean transA, boolean transB) {
        if (a.length < 2 || b.length < 2) {
            throw new GraphException("matrix product needs rank >= 2, got " + toString(a) + " and " + toString(b));
        }
        long m = transA ? a[a.length - 1] : a[a.length - 2];
        long ka = transA ? a[a.length - 2] : a[a.length - 1];
        long kb = transB ? b[b.length - 1] : b[b.length - 2];
        long n = transB ? b[b.length - 2] : b[b.length - 1];
        if (ka >= 0 && kb >= 0 && ka != kb) {
            throw new GraphException("matrix product inner dimensions differ: " + toString(a) + " x " + toString(b));
        }
        long[] batch = broadcast(Arrays.copyOf(a, a.length - 2), Arrays.copyOf(b, b.length - 2));
        long[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = m;
        out[batch.length + 1] = n;
        return out;
    }

    /** Dimension {@code i} of the result is dimension {@code perm[i]} of {@code s}. */
    public static long[] permute(long[] s, long[] perm) {
        return Arrays.stream(perm).map(p -> s[(int) p]).toArray();
    }

    /** {@code s} without the (size-1) {@code axes}. */
    public static long[] squeeze(long[] s, long[] axes) {
        boolean[] drop = new boolean[s.length];
        for (long a : axes) {
            drop[axis((int) a, s.length)] = true;
        }
        return IntStream.range(0, s.length).filter(i -> !drop[i]).mapToLong(i -> s[i]).toArray();
    }

    /** {@code s} with size-1 dimensions inserted at {@code axes} (axes of the result). */
    public static long[] unsqueeze(long[] s, long[] axes) {
        int rank = s.length + axes.length;
        boolean[] added = new boolean[rank];
        for (long a : axes) {
            added[axis((int) a, rank)] = true;
        }
        long[] out = new long[rank];
        for (int i = 0, j = 0; i < rank; i++) {
            out[i] = added[i] ? 1 : s[j++];
        }
        return out;
    }

    /** The shapes joined along {@code axis}. */
    public static long[] concat(List<long[]> shapes, int axis) {
        long[] out = shapes.get(0).clone();
        int a = axis(axis, out.length);
        long total = 0;
        for (long[] s : shapes) {
            total = (s[a] < 0 || total < 0) ? UNKNOWN : total + s[a];
        }
        out[a] = total;
        return out;
    }

    /** ONNX Gather: the indices' shape replaces dimension {@code axis} of the data's. */
    public static long[] gather(long[] data, long[] indices, int axis) {
        int a = axis(axis, data.length);
        return LongStream.concat(LongStream.concat(Arrays.stream(data, 0, a), Arrays.stream(indices)),
                Arrays.stream(data, a + 1, data.length)).toArray();
    }

    /** ONNX Slice with positive steps ({@code axes} and {@code steps} may be null: all leading axes, step 1). */
    public static long[] slice(long[] s, long[] starts, long[] ends, long[] axes, long[] steps) {
        long[] out = s.clone();
        for (int i = 0; i < starts.length; i++) {
            int a = axis(axes == null ? i : (int) axes[i], s.length);
            long step = steps == null ? 1 : steps[i];
            long dim = s[a];
            if (dim < 0) {
                throw new GraphException("Slice along an unknown dimension");
            }
            if (step <= 0) {
                throw new GraphException("Slice supports positive steps only");
            }
            long lo = clampIndex(starts[i], dim);
            long hi = clampIndex(ends[i], dim);
            out[a] = Math.max(0, (hi - lo + step - 1) / step);
        }
        return out;
    }

    private static long clampIndex(long i, long dim) {
        long v = i < 0 ? i + dim : i;
        return Math.max(0, Math.min(dim, v));
    }

    public static String toString(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
        }
        return sb.append(']').toString();
    }
}
