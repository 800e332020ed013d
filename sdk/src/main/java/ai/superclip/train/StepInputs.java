package ai.superclip.train;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.superclip.data.Batch;
import ai.superclip.inference.TextEncoder;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.SuperClipModel;
import ai.superclip.runtime.OrtRuntime;
import ai.superclip.tokenization.IdfStatistics;
import ai.superclip.tokenization.TokenTargets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;

/**
 * What a micro-batch feeds the model, for both step runners (one process's and a data-parallel worker's): its
 * pixels and token ids (trimmed to its longest caption), its captions' distinct ids, and the classification targets
 * built from them with the IDF statistics. The buffers are reused: feed one micro-batch's tensors and close them
 * before the next.
 */
final class StepInputs {
    private final OrtEnvironment env = OrtRuntime.environment();
    private final int imageSize;
    private final int context;
    private final TokenTargets targets;
    private final String targetCaptions;
    private LongBuffer targetIds;
    private FloatBuffer targetWeights;
    private LongBuffer trimmedIds;

    /**
     * @param targetCaptions the batch buffer whose captions the classification term reads (the contrastive ids, or
     *     DualCaption's second captions)
     * @param rows           the most rows a micro-batch has
     */
    StepInputs(ModelConfig model, int context, TokenTargets targets, String targetCaptions, int rows) {
        this.imageSize = model.vision().imageSize();
        this.context = context;
        this.targets = targets;
        this.targetCaptions = targetCaptions;
        this.targetIds = longs(rows * context);
        this.targetWeights = StepRunner.directFloats(rows * context);
        this.trimmedIds = longs(rows * context);
    }

    private static LongBuffer longs(int n) {
        return ByteBuffer.allocateDirect(n * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
    }

    /**
     * Each micro-batch's captions as distinct token ids, as the classification term and the IDF statistics count
     * them: [micro-batch][caption][id].
     */
    int[][][] captions(List<Batch> micros) {
        int[][][] ids = new int[micros.size()][][];
        for (int micro = 0; micro < ids.length; micro++) {
            Batch b = micros.get(micro);
            ids[micro] = targets.sparse(StepRunner.rows(b.longBuffer(targetCaptions), b.size() * context));
        }
        return ids;
    }

    /**
     * The first {@code rows} images [rows, 3, S, S] and token ids of {@code b}, the ids trimmed to the longest of
     * those captions ([rows, T], T through its end-of-text token): the text tower's causal mask keeps every position
     * after a caption's end-of-text token from its feature, so the loss and gradients are those of [rows, L].
     */
    void putPixelsAndIds(Map<String, OnnxTensor> in, Batch b, int rows) throws OrtException {
        in.put(SuperClipModel.PIXELS, OnnxTensor.createTensor(env,
                StepRunner.rows(b.images(), rows * 3 * imageSize * imageSize), new long[] {rows, 3, imageSize, imageSize}));
        LongBuffer ids = StepRunner.rows(b.longBuffer(SuperClipModel.INPUT_IDS), rows * context);
        int length = TextEncoder.trimmedLength(ids, rows, context);
        if (trimmedIds.capacity() < rows * length) {
            trimmedIds = longs(rows * context);
        }
        LongBuffer fed = length < context ? TextEncoder.trimmedRows(ids, rows, context, length, trimmedIds) : ids;
        in.put(SuperClipModel.INPUT_IDS, OnnxTensor.createTensor(env, fed, new long[] {rows, length}));
    }

    /**
     * The sparse classification targets [rows, L] of {@code captions}, weighted with {@code idf} as a step of
     * {@code stepCaptions} captions sees it.
     */
    void putTargets(Map<String, OnnxTensor> in, IdfStatistics idf, int[][] captions, int stepCaptions, int rows)
            throws OrtException {
        if (targetIds.capacity() < rows * context) {
            targetIds = longs(rows * context);
            targetWeights = StepRunner.directFloats(rows * context);
        }
        targetIds.clear();
        targetWeights.clear();
        idf.normalisedTargets(captions, stepCaptions, context, targetIds, targetWeights);
        in.put(SuperClipModel.CLS_TARGET_IDS, OnnxTensor.createTensor(env, StepRunner.rows(targetIds, rows * context),
                new long[] {rows, context}));
        in.put(SuperClipModel.CLS_TARGET_WEIGHTS, OnnxTensor.createTensor(env,
                StepRunner.rows(targetWeights, rows * context), new long[] {rows, context}));
    }
}
