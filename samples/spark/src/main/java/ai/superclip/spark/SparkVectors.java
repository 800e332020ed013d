package ai.superclip.spark;

import java.util.List;
import scala.collection.Seq;

/** Conversions between Spark's array values and float vectors. */
final class SparkVectors {
    private SparkVectors() {
    }

    /**
     * An {@code array<float>} value of a row: a Scala sequence when Spark decoded the row, the {@code float[]} a
     * stage wrote when Spark handed its rows straight to the next stage.
     */
    static float[] floats(Object value) {
        if (value instanceof float[] array) {
            return array;
        }
        if (value instanceof Seq<?> seq) {
            float[] out = new float[seq.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (Float) seq.apply(i);
            }
            return out;
        }
        if (value instanceof List<?> list) {
            float[] out = new float[list.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (Float) list.get(i);
            }
            return out;
        }
        throw new IllegalArgumentException("not an array<float> value: " + value.getClass().getName());
    }
}
