package ai.superclip.graph;

import java.util.Arrays;

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

    public static String toString(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
        }
        return sb.append(']').toString();
    }
}
