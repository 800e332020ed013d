package ai.superclip.graph;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/** How a parameter's initial value is drawn. Seeded: the same seed and name always give the same values. */
public sealed interface Init {

    /** Fills {@code values} using {@code random}. */
    void fill(float[] values, RandomGenerator random);

    /** Normal with mean 0 and the given standard deviation. */
    static Init normal(double std) {
        return new Normal(std);
    }

    static Init zeros() {
        return new Constant(0f);
    }

    static Init ones() {
        return new Constant(1f);
    }

    static Init constant(float value) {
        return new Constant(value);
    }

    /** Normal(0, std). */
    record Normal(double std) implements Init {
        @Override
        public void fill(float[] values, RandomGenerator random) {
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (random.nextGaussian() * std);
            }
        }
    }

    /** Every entry equal to {@code value}. */
    record Constant(float value) implements Init {
        @Override
        public void fill(float[] values, RandomGenerator random) {
            Arrays.fill(values, value);
        }
    }
}
