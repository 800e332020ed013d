package ai.superclip.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.superclip.model.ModelConfig.Loss;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * A seeded random batch for the model tests: Gaussian pixels (as if normalised), captions laid out as the
 * CLIP tokenizer does (start-of-text, a few random ids, end-of-text, zero padding; SOT and EOT are the two
 * largest ids) and their classification targets (the L1-normalised multi-hot of each row's ids, pads included).
 */
record TestBatch(ModelConfig config, int size, float[] pixels, long[] ids, float[] targets) {

    static TestBatch random(ModelConfig config, int size, long seed) {
        Random random = new Random(seed);
        int imageSize = config.vision().imageSize();
        int context = config.text().contextLength();
        int vocab = config.text().vocabSize();
        float[] pixels = new float[size * 3 * imageSize * imageSize];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        long[] ids = new long[size * context];
        float[] targets = new float[size * vocab];
        for (int b = 0; b < size; b++) {
            int words = 3 + random.nextInt(Math.min(10, context - 4));
            ids[b * context] = vocab - 2;
            for (int j = 1; j <= words; j++) {
                ids[b * context + j] = 1 + random.nextInt(vocab - 3);
            }
            ids[b * context + words + 1] = vocab - 1;
            TreeSet<Long> distinct = new TreeSet<>();
            for (int j = 0; j < context; j++) {
                distinct.add(ids[b * context + j]);
            }
            for (long id : distinct) {
                targets[b * vocab + Math.toIntExact(id)] = 1f / distinct.size();
            }
        }
        return new TestBatch(config, size, pixels, ids, targets);
    }

    long[] pixelShape() {
        int s = config.vision().imageSize();
        return new long[] {size, 3, s, s};
    }

    long[] idShape() {
        return new long[] {size, config.text().contextLength()};
    }

    long[] targetShape() {
        return new long[] {size, config.text().vocabSize()};
    }

    /** The targets as the model takes them: each row's ids with a non-zero target and those targets, padded. */
    private void sparseTargets(long[] ids, float[] weights) {
        int vocab = config.text().vocabSize();
        int width = config.text().contextLength();
        for (int b = 0; b < size; b++) {
            int k = 0;
            for (int c = 0; c < vocab; c++) {
                if (targets[b * vocab + c] != 0) {
                    ids[b * width + k] = c;
                    weights[b * width + k++] = targets[b * vocab + c];
                }
            }
        }
    }

    /** The ids row by row. */
    long[][] idRows() {
        int context = config.text().contextLength();
        long[][] rows = new long[size][];
        for (int b = 0; b < size; b++) {
            rows[b] = Arrays.copyOfRange(ids, b * context, (b + 1) * context);
        }
        return rows;
    }

    /** The model's data inputs: pixels, ids and, for SuperCLIP, the targets. Close them after use. */
    Map<String, OnnxTensor> tensors(OrtEnvironment env) throws OrtException {
        Map<String, OnnxTensor> m = new LinkedHashMap<>();
        m.put(SuperClipModel.PIXELS, OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), pixelShape()));
        m.put(SuperClipModel.INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(ids), idShape()));
        if (config.loss() == Loss.SUPERCLIP) {
            long[] targetIds = new long[size * config.text().contextLength()];
            float[] targetWeights = new float[targetIds.length];
            sparseTargets(targetIds, targetWeights);
            m.put(SuperClipModel.CLS_TARGET_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(targetIds), idShape()));
            m.put(SuperClipModel.CLS_TARGET_WEIGHTS, OnnxTensor.createTensor(env, FloatBuffer.wrap(targetWeights),
                    idShape()));
        }
        return m;
    }
}
