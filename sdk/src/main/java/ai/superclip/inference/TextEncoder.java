package ai.superclip.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.superclip.model.SuperClipModel;
import ai.superclip.tokenization.ClipTokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Captions to L2-normalised embeddings with an exported {@code text_encoder.onnx}; batches internally. An encoder
 * that takes captions of any length (exports since the dynamic-length text encoder) gets each batch trimmed to
 * its longest caption, through its end-of-text token: nothing after it reaches the embedding under the causal
 * mask, so the embeddings are the full-length ones, computed on fewer positions.
 */
public final class TextEncoder implements AutoCloseable {

    private final OrtEnvironment env;
    private final OrtSession session;
    private final ClipTokenizer tokenizer;
    private final int maxBatch;
    private final LongBuffer ids;
    private final LongBuffer trimmed;
    private final boolean trims;

    TextEncoder(OrtEnvironment env, OrtSession session, ClipTokenizer tokenizer, int maxBatch) throws OrtException {
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
        this.maxBatch = maxBatch;
        this.ids = idBuffer(maxBatch * tokenizer.contextLength());
        long[] inputShape = ((TensorInfo) session.getInputInfo().get(SuperClipModel.INPUT_IDS).getInfo()).getShape();
        this.trims = inputShape[1] < 0; // exports before trimming take all context positions
        this.trimmed = trims ? idBuffer(maxBatch * tokenizer.contextLength()) : null;
    }

    private static LongBuffer idBuffer(int longs) {
        return ByteBuffer.allocateDirect(longs * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
    }

    /** Embeds every caption, in order. */
    public synchronized float[][] encode(List<String> captions) throws OrtException {
        List<float[]> out = new ArrayList<>(captions.size());
        for (int from = 0; from < captions.size(); from += maxBatch) {
            List<String> chunk = captions.subList(from, Math.min(captions.size(), from + maxBatch));
            ids.clear();
            tokenizer.encodeBatch(chunk, ids);
            ids.flip();
            out.addAll(List.of(run(ids, chunk.size())));
        }
        return out.toArray(float[][]::new);
    }

    /** Embeds {@code count} rows of already tokenised ids [count, context] from {@code ids}' position. */
    public synchronized float[][] encodeIds(LongBuffer ids, int count) throws OrtException {
        int context = tokenizer.contextLength();
        List<float[]> out = new ArrayList<>(count);
        for (int from = 0; from < count; from += maxBatch) {
            int n = Math.min(maxBatch, count - from);
            LongBuffer chunk = ids.duplicate();
            chunk.position(ids.position() + from * context).limit(ids.position() + (from + n) * context);
            out.addAll(List.of(run(chunk.slice(), n)));
        }
        return out.toArray(float[][]::new);
    }

    private float[][] run(LongBuffer rows, int n) throws OrtException {
        int context = tokenizer.contextLength();
        int length = trims ? trimmedLength(rows, n, context) : context;
        LongBuffer input = length < context ? trimmedRows(rows, n, context, length, trimmed) : rows;
        try (OnnxTensor t = OnnxTensor.createTensor(env, input, new long[] {n, length});
                OrtSession.Result r = session.run(Map.of(SuperClipModel.INPUT_IDS, t))) {
            return (float[][]) r.get(0).getValue();
        }
    }

    /**
     * The caption length a batch of {@code n} rows of token ids [n, context] (from index 0 of {@code rows}) can be
     * trimmed to with unchanged embeddings: through the longest row's end-of-text token, each row's largest id at
     * its first occurrence (the position the encoder pools, as {@code ArgMax} picks it).
     */
    public static int trimmedLength(LongBuffer rows, int n, int context) {
        int longest = 1;
        for (int r = 0; r < n; r++) {
            int end = 0;
            for (int i = 1; i < context; i++) {
                if (rows.get(r * context + i) > rows.get(r * context + end)) {
                    end = i;
                }
            }
            longest = Math.max(longest, end + 1);
        }
        return longest;
    }

    /**
     * The first {@code length} ids of each of {@code n} rows [n, context] of {@code rows} (from index 0), packed
     * into {@code into} as [n, length], which is returned ready to read.
     */
    public static LongBuffer trimmedRows(LongBuffer rows, int n, int context, int length, LongBuffer into) {
        into.clear();
        for (int r = 0; r < n; r++) {
            into.put(rows.slice(r * context, length));
        }
        return into.flip();
    }

    /** Embeds one caption. */
    public float[] encode(String caption) throws OrtException {
        return encode(List.of(caption))[0];
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
