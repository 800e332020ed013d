package ai.superclip.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Preprocessed images (float NCHW, normalised with the model's mean and std) to L2-normalised embeddings with
 * an exported {@code image_encoder.onnx}; batches internally.
 */
public final class ImageEncoder implements AutoCloseable {
    static final String INPUT = "pixels";
    static final String OUTPUT = "image_embeds";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final int imageSize;
    private final int maxBatch;

    ImageEncoder(OrtEnvironment env, OrtSession session, int imageSize, int maxBatch) {
        this.env = env;
        this.session = session;
        this.imageSize = imageSize;
        this.maxBatch = maxBatch;
    }

    /** Side of the square input the model expects. */
    public int imageSize() {
        return imageSize;
    }

    /**
     * Embeds {@code count} images laid out [count, 3, S, S] from {@code pixels}' position; a direct buffer is fed
     * without a copy.
     */
    public synchronized float[][] encode(FloatBuffer pixels, int count) throws OrtException {
        int perImage = 3 * imageSize * imageSize;
        if (pixels.remaining() < (long) count * perImage) {
            throw new IllegalArgumentException(count + " images need " + (long) count * perImage + " floats, buffer has "
                    + pixels.remaining());
        }
        List<float[]> out = new ArrayList<>(count);
        for (int from = 0; from < count; from += maxBatch) {
            int n = Math.min(maxBatch, count - from);
            FloatBuffer chunk = pixels.duplicate();
            chunk.position(pixels.position() + from * perImage).limit(pixels.position() + (from + n) * perImage);
            FloatBuffer view = chunk.slice();
            try (OnnxTensor t = OnnxTensor.createTensor(env, view, new long[] {n, 3, imageSize, imageSize});
                    OrtSession.Result r = session.run(Map.of(INPUT, t))) {
                out.addAll(List.of((float[][]) r.get(0).getValue()));
            }
        }
        return out.toArray(float[][]::new);
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
