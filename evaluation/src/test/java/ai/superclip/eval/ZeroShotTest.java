package ai.superclip.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.superclip.inference.Embeddings;
import ai.superclip.inference.TextEmbedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZeroShotTest {

    private static final TemplateSet TEMPLATES = TemplateSet.of("test", "a {}.", "the {}!");

    /** Known, deliberately unnormalised vectors per filled template. */
    private static final Map<String, float[]> VECTORS = Map.of(
            "a cat.", new float[] {3, 4, 0},    // -> (0.6, 0.8, 0)
            "the cat!", new float[] {0, 0, 2},  // -> (0, 0, 1)
            "a dog.", new float[] {1, 0, 0},
            "the dog!", new float[] {0, 10, 0});

    private final List<List<String>> calls = new ArrayList<>();

    private final TextEmbedder fake = texts -> {
        calls.add(texts);
        return texts.stream().map(VECTORS::get).toArray(float[][]::new);
    };

    @Test
    void weightsAreRenormalisedMeansOfNormalisedTemplateEmbeddings() throws Exception {
        float[][] w = ZeroShot.classifierWeights(List.of("cat", "dog"), TEMPLATES, fake);

        assertEquals(List.of(List.of("a cat.", "the cat!", "a dog.", "the dog!")), calls,
                "one embedder call, class by class, templates in order");
        double r = Math.sqrt(0.5); // |(0.3, 0.4, 0.5)|
        assertArrayEquals(new float[] {(float) (0.3 / r), (float) (0.4 / r), (float) (0.5 / r)}, w[0], 1e-6f);
        assertArrayEquals(new float[] {(float) r, (float) r, 0}, w[1], 1e-6f);
    }

    @Test
    void evaluateClassifiesByCosineWithTheWeights() throws Exception {
        float[][] w = ZeroShot.classifierWeights(List.of("cat", "dog"), TEMPLATES, fake);
        float[][] images = {
                {0, 0, 5},    // cos with cat 0.707, dog 0  -> cat
                {1, 1, 0},    // cat 0.7, dog 1            -> dog
                {-1, 0, 2},   // cat 0.44, dog -0.32       -> cat, but labelled dog
        };
        ClassificationMetrics m = ZeroShot.evaluate(images, w, new int[] {0, 1, 1});
        assertEquals(2.0 / 3, m.top1(), 1e-15);
        assertArrayEquals(new int[][] {{1, 0}, {1, 1}}, m.confusion());
        assertEquals((1.0 + 0.5) / 2, m.meanPerClassRecall(), 1e-15);
    }

    @Test
    void explicitPromptsPerClassGiveTheSameWeightsAsFilledTemplates() throws Exception {
        float[][] fromTemplates = ZeroShot.classifierWeights(List.of("cat", "dog"), TEMPLATES, fake);
        float[][] explicit = ZeroShot.classifierWeights(
                List.of(List.of("a cat.", "the cat!"), List.of("a dog.", "the dog!")), fake);
        assertArrayEquals(fromTemplates, explicit);
        float[][] single = ZeroShot.classifierWeights(List.of(List.of("a cat."), List.of("the dog!")), fake);
        assertArrayEquals(new float[] {0.6f, 0.8f, 0}, single[0], 1e-6f);
        assertArrayEquals(new float[] {0, 1, 0}, single[1], 1e-6f);
    }

    @Test
    void rejectsDegenerateInputs() {
        assertThrows(IllegalArgumentException.class, () -> ZeroShot.classifierWeights(List.of(), fake));
        assertThrows(IllegalArgumentException.class,
                () -> ZeroShot.classifierWeights(List.of(List.of("a cat."), List.of()), fake));
        TextEmbedder zero = texts -> new float[texts.size()][3];
        assertThrows(IllegalArgumentException.class,
                () -> ZeroShot.classifierWeights(List.of("cat"), TEMPLATES, zero));
    }

    @Test
    void rejectsEmbedderReturningWrongRowCount() {
        TextEmbedder broken = texts -> new float[][] {{1, 0}};
        assertThrows(IllegalArgumentException.class,
                () -> ZeroShot.classifierWeights(List.of("cat"), TEMPLATES, broken));
    }

    @Test
    void rowMajorBuffersConvertToRows() {
        float[][] rows = Embeddings.rows(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new float[][] {{1, 2, 3}, {4, 5, 6}}, rows);
        assertThrows(IllegalArgumentException.class, () -> Embeddings.rows(new float[5], 2, 3));
    }
}
