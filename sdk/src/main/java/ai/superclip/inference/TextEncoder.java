package ai.superclip.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.superclip.model.SuperClipModel;
import ai.superclip.tokenization.ClipTokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Captions to L2-normalised embeddings with an exported {@code text_encoder.onnx}; batches internally. */
public final class TextEncoder implements AutoCloseable {

    private final OrtEnvironment env;
    private final OrtSession session;
    private final ClipTokenizer tokenizer;
    private final int maxBatch;
    private final LongBuffer ids;

    TextEncoder(OrtEnvironment env, OrtSession session, ClipTokenizer tokenizer, int maxBatch) {
        this.env = env;
        this.session = session;
        this.tokenizer = tokenizer;
        this.maxBatch = maxBatch;
        this.ids = ByteBuffer.allocateDirect(maxBatch * tokenizer.contextLength() * Long.BYTES)
                .order(ByteOrder.nativeOrder()).asLongBuffer();
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
        try (OnnxTensor t = OnnxTensor.createTensor(env, rows, new long[] {n, tokenizer.contextLength()});
                OrtSession.Result r = session.run(Map.of(SuperClipModel.INPUT_IDS, t))) {
            return (float[][]) r.get(0).getValue();
        }
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
