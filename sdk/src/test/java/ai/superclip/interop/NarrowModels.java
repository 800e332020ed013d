package ai.superclip.interop;

import ai.superclip.graph.Parameter;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.model.TextConfig;
import ai.superclip.model.VisionConfig;
import ai.superclip.nn.Activation;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Narrow random CLIP models for the interop tests: seconds to run, every tensor non-trivial. */
final class NarrowModels {
    static final int VOCAB = 40;
    static final int CONTEXT = 8;

    private NarrowModels() {
    }

    /** 16 px images in 8 px patches, vision width 32 (2 heads), text width 24 (3 heads), 2 layers each, embed 16. */
    static ModelConfig config(Activation activation) {
        return config(activation, 32, 2, 24, 3);
    }

    static ModelConfig config(Activation activation, int visionWidth, int visionHeads, int textWidth, int textHeads) {
        return new ModelConfig(16, new VisionConfig(16, 8, visionWidth, 2, visionHeads, 4.0, activation),
                new TextConfig(VOCAB, CONTEXT, textWidth, textHeads, 2, 4.0, activation),
                ModelConfig.Loss.SUPERCLIP, 1.0, Presets.REFERENCE_ADAMW);
    }

    /** Every parameter drawn from its initialiser plus N(0, 0.05) noise, so LayerNorms and biases are not trivial. */
    static Map<String, float[]> weights(ModelConfig config, long seed, boolean head) {
        Map<String, float[]> weights = new LinkedHashMap<>();
        SplittableRandom noise = new SplittableRandom(seed);
        for (Parameter p : PretrainedModel.parameters(config)) {
            if (!head && PretrainedModel.isHead(p)) {
                continue;
            }
            float[] v = p.initialValue(seed);
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) (noise.nextGaussian() * 0.05);
            }
            weights.put(p.name(), v);
        }
        return weights;
    }

    static PretrainedModel model(ModelConfig config, long seed, boolean head) {
        return new PretrainedModel(config, weights(config, seed, head), null, InferenceExport.IMAGE_MEAN,
                InferenceExport.IMAGE_STD);
    }

    /** Captions of random ids below the end-of-text id (VOCAB - 1), ended by it and padded with it as HF pads. */
    static long[][] ids(int batch, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[][] ids = new long[batch][CONTEXT];
        for (int b = 0; b < batch; b++) {
            int end = 1 + r.nextInt(CONTEXT - 1);
            for (int t = 0; t < CONTEXT; t++) {
                ids[b][t] = t < end ? r.nextInt(VOCAB - 1) : VOCAB - 1;
            }
        }
        return ids;
    }

    static float[] pixels(int batch, int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] p = new float[batch * 3 * size * size];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) r.nextGaussian();
        }
        return p;
    }
}
