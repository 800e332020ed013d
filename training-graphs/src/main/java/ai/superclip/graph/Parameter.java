package ai.superclip.graph;

import java.util.SplittableRandom;

/**
 * A named model parameter: its shape, how it is initialised, whether it trains, and whether weight decay
 * applies to it (open_clip's rule: weight matrices only).
 *
 * @param value the graph input that carries the parameter
 */
public record Parameter(String name, long[] shape, Init init, boolean trainable, boolean decay, Value value) {

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
        return new Parameter(name, shape, init, trainable, decay, value);
    }
}
