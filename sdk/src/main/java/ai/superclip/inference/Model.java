package ai.superclip.inference;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.superclip.data.ImagePreprocessor;
import ai.superclip.model.InferenceExport;
import ai.superclip.runtime.OrtRuntime;
import ai.superclip.tokenization.ClipTokenizer;
import ai.superclip.tokenization.SpecialTokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * An exported SuperCLIP model: {@code image_encoder.onnx} and {@code text_encoder.onnx} in one directory. The
 * encoders' metadata says the image size, normalisation, context length and tokenizer, so {@code load(dir)}
 * is all a user needs.
 */
public final class Model implements AutoCloseable {
    /** The built-in tokenizer's identity in the metadata. */
    public static final String CLIP_TOKENIZER = "clip-bpe-49408";
    /** A custom tokenizer is shipped beside the encoders under this name. */
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private final ImageEncoder image;
    private final TextEncoder text;
    private final Map<String, String> metadata;

    private Model(ImageEncoder image, TextEncoder text, Map<String, String> metadata) {
        this.image = image;
        this.text = text;
        this.metadata = metadata;
    }

    /** Loads with one intra-op thread per core and batches of up to 64. */
    public static Model load(Path dir) throws OrtException {
        return load(dir, 0, 64);
    }

    /**
     * @param threads ONNX Runtime intra-op threads (0: one per core)
     * @param maxBatch largest batch run at once
     */
    public static Model load(Path dir, int threads, int maxBatch) throws OrtException {
        Path imageFile = dir.resolve(InferenceExport.IMAGE_ENCODER);
        Path textFile = dir.resolve(InferenceExport.TEXT_ENCODER);
        for (Path f : List.of(imageFile, textFile)) {
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException("not an exported model directory: " + f + " is missing");
            }
        }
        OrtEnvironment env = OrtRuntime.environment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
            OrtSession imageSession = env.createSession(imageFile.toString(), options);
            OrtSession textSession = null;
            try {
                textSession = env.createSession(textFile.toString(), options);
                Map<String, String> meta = imageSession.getMetadata().getCustomMetadata();
                int imageSize = Integer.parseInt(required(meta, InferenceExport.IMAGE_SIZE_KEY, imageFile));
                Map<String, String> textMeta = textSession.getMetadata().getCustomMetadata();
                int context = Integer.parseInt(required(textMeta, InferenceExport.CONTEXT_LENGTH_KEY, textFile));
                ClipTokenizer tokenizer =
                        tokenizer(dir, required(textMeta, InferenceExport.TOKENIZER_KEY, textFile), context);
                ImagePreprocessor preprocessor = new ImagePreprocessor(imageSize,
                        channels(meta, InferenceExport.IMAGE_MEAN_KEY, ImagePreprocessor.CLIP_MEAN, imageFile),
                        channels(meta, InferenceExport.IMAGE_STD_KEY, ImagePreprocessor.CLIP_STD, imageFile),
                        ImagePreprocessor.DEFAULT_MIN_CROP_SCALE);
                return new Model(new ImageEncoder(env, imageSession, preprocessor, maxBatch),
                        new TextEncoder(env, textSession, tokenizer, maxBatch), meta);
            } catch (OrtException | RuntimeException e) {
                closeQuietly(textSession, e);
                closeQuietly(imageSession, e);
                throw e;
            }
        }
    }

    /** Closes a session created before a later step of {@link #load} failed, keeping the first failure. */
    private static void closeQuietly(OrtSession session, Exception failure) {
        if (session == null) {
            return;
        }
        try {
            session.close();
        } catch (OrtException e) {
            failure.addSuppressed(e);
        }
    }

    private static ClipTokenizer tokenizer(Path dir, String identity, int context) {
        if (identity.equals(CLIP_TOKENIZER)) {
            return ClipTokenizer.clip(context);
        }
        Path file = dir.resolve(TOKENIZER_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("the model uses tokenizer '" + identity + "' but " + file + " is missing");
        }
        String[] special = identity.split("\\|", -1); // custom:<start>|<end>|<pad>
        if (special.length != 3 || !special[0].startsWith("custom:")) {
            throw new IllegalArgumentException("unknown tokenizer identity '" + identity + "' in " + dir);
        }
        return ClipTokenizer.load(file, new SpecialTokens(special[0].substring(7), special[1], special[2]), context);
    }

    /** The three RGB values under {@code key} (a JSON array), or {@code fallback} for encoders exported without them. */
    private static float[] channels(Map<String, String> meta, String key, float[] fallback, Path file) {
        String v = meta.get(key);
        if (v == null) {
            return fallback;
        }
        String[] parts = v.replaceAll("[\\[\\]\\s]", "").split(",");
        if (parts.length != 3) {
            throw new IllegalArgumentException(file + ": metadata '" + key + "' is not three numbers: " + v);
        }
        float[] values = new float[3];
        for (int i = 0; i < 3; i++) {
            values[i] = Float.parseFloat(parts[i]);
        }
        return values;
    }

    private static String required(Map<String, String> meta, String key, Path file) {
        String v = meta.get(key);
        if (v == null) {
            throw new IllegalArgumentException(file + " lacks metadata '" + key + "': export it with InferenceExport");
        }
        return v;
    }

    public ImageEncoder imageEncoder() {
        return image;
    }

    public TextEncoder textEncoder() {
        return text;
    }

    /** The image encoder's metadata (config JSON, image size, mean and std, context length, tokenizer). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Zero-shot classifier over {@code classNames} with {@code templates}. */
    public ZeroShotClassifier zeroShot(List<String> classNames, List<String> templates) throws OrtException {
        return ZeroShotClassifier.build(text, classNames, templates);
    }

    @Override
    public void close() throws OrtException {
        try {
            image.close();
        } finally {
            text.close();
            text.tokenizer().close();
        }
    }
}
