package ai.superclip.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.superclip.data.ImageDecoder;
import ai.superclip.data.ImagePreprocessor;
import ai.superclip.model.SuperClipModel;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Preprocessed images (float NCHW, normalised with the model's mean and std) to L2-normalised embeddings with
 * an exported {@code image_encoder.onnx}; batches internally.
 */
public final class ImageEncoder implements AutoCloseable {

    private final OrtEnvironment env;
    private final OrtSession session;
    private final int imageSize;
    private final ImagePreprocessor preprocessor;
    private final int maxBatch;

    /** @param preprocessor crops, resizes and normalises images as the model was trained (its size is the model's) */
    ImageEncoder(OrtEnvironment env, OrtSession session, ImagePreprocessor preprocessor, int maxBatch) {
        this.env = env;
        this.session = session;
        this.imageSize = preprocessor.size();
        this.preprocessor = preprocessor;
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
                    OrtSession.Result r = session.run(Map.of(SuperClipModel.PIXELS, t))) {
                out.addAll(List.of((float[][]) r.get(0).getValue()));
            }
        }
        return out.toArray(float[][]::new);
    }

    /** Embeds decoded images: centre-cropped, resized and normalised like the model's training images. */
    public float[][] encode(List<BufferedImage> images) throws OrtException {
        int perImage = 3 * imageSize * imageSize;
        FloatBuffer pixels = ByteBuffer.allocateDirect(images.size() * perImage * Float.BYTES)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < images.size(); i++) {
            preprocessor.centerCrop(images.get(i), pixels, i * perImage);
        }
        return encode(pixels, images.size());
    }

    /** Embeds image files, decoded with the SDK's decoder (a bad file fails naming it). */
    public float[][] encodeFiles(List<Path> files) throws OrtException {
        List<BufferedImage> images = new ArrayList<>(files.size());
        for (Path f : files) {
            images.add(ImageDecoder.decode(f));
        }
        return encode(images);
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
