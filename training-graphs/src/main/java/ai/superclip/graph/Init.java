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

    /** Uniform on [-bound, bound). */
    static Init uniform(double bound) {
        return new Uniform(bound);
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

    /** Uniform on [-bound, bound). */
    record Uniform(double bound) implements Init {
        @Override
        public void fill(float[] values, RandomGenerator random) {
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
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
