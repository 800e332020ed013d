package ai.superclip.graph;

import java.util.SplittableRandom;

/**
 * A named model parameter: its shape, how it is initialised, whether it trains, and the range it is kept in.
 *
 * @param bounds the range the training model keeps the parameter in (see {@link Graph#boundedParameter}), or null
 * @param value the graph input that carries the parameter
 */
public record Parameter(String name, long[] shape, Init init, boolean trainable, Bounds bounds, Value value) {

    /** A closed range [min, max]. */
    public record Bounds(double min, double max) {
        public Bounds {
            if (!(min <= max)) {
                throw new IllegalArgumentException("empty range [" + min + ", " + max + "]");
            }
        }
    }

    /**
     * Whether weight decay applies: open_clip's rule ({@code open_clip_train/main.py}), which exempts parameters
     * of fewer than 2 dimensions and those whose name contains "bn", "ln", "bias" or "logit_scale". Everything
     * else decays, 2-D positional embeddings included.
     */
    public boolean decay() {
        return decays(name, shape);
    }

    /** open_clip's weight-decay rule for a parameter of this name and shape (see {@link #decay()}). */
    public static boolean decays(String name, long[] shape) {
        return shape.length >= 2 && !name.contains("bn") && !name.contains("ln") && !name.contains("bias")
                && !name.contains("logit_scale");
    }

    /** The element count. */
    public int size() {
        return Math.toIntExact(Shape.size(shape));
    }

    /** Draws the initial value. The stream depends only on {@code seed} and the parameter's name. */
    public float[] initialValue(long seed) {
        float[] values = new float[size()];
        init.fill(values, new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode()));
        return values;
    }

    /** A copy with the trainable flag changed. */
    public Parameter withTrainable(boolean trainable) {
        return new Parameter(name, shape, init, trainable, bounds, value);
    }
}
