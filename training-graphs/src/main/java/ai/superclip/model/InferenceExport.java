package ai.superclip.model;

import ai.superclip.artifacts.ArtifactException;
import ai.superclip.artifacts.OrtCheckpoint;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.graph.Graph;
import ai.superclip.graph.ModelSpec;
import ai.superclip.graph.Parameter;
import ai.superclip.graph.Shape;
import ai.superclip.graph.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes the inference encoders, plain CLIP without the classification head, with the weights embedded:
 * {@value #IMAGE_ENCODER} ({@value SuperClipModel#PIXELS} float [B, 3, S, S], normalised with
 * {@link #IMAGE_MEAN} and {@link #IMAGE_STD} → {@value SuperClipModel#IMAGE_EMBEDS} [B, E]) and
 * {@value #TEXT_ENCODER} ({@value SuperClipModel#INPUT_IDS} int64 [B, L] → {@value SuperClipModel#TEXT_EMBEDS}
 * [B, E]). Embeddings are L2-normalised; the batch is dynamic, and so is the captions' length L (at most
 * {@value #CONTEXT_LENGTH_KEY}): a batch trimmed to its longest caption gives the same embeddings, faster. Only forward operators are used, so the stock
 * inference build of ONNX Runtime runs them.
 *
 * <p>Both files carry the same metadata ({@code metadata_props}): {@value #CONFIG_KEY} (the model config as
 * JSON), {@value #IMAGE_SIZE_KEY}, {@value #IMAGE_MEAN_KEY} and {@value #IMAGE_STD_KEY} (JSON arrays, RGB),
 * {@value #CONTEXT_LENGTH_KEY}, {@value #EMBED_DIM_KEY} and {@value #TOKENIZER_KEY}.
 */
public final class InferenceExport {
    public static final String IMAGE_ENCODER = "image_encoder.onnx";
    public static final String TEXT_ENCODER = "text_encoder.onnx";
    /** The image tower with the classification head ({@link #writeTokenHead}). */
    public static final String TOKEN_HEAD = "token_head.onnx";
    /** The output of {@value #TOKEN_HEAD}: one logit per vocabulary id, [B, V]. */
    public static final String TOKEN_LOGITS = "token_logits";
    public static final String CONFIG_KEY = "superclip.config";
    public static final String IMAGE_SIZE_KEY = "superclip.image_size";
    public static final String IMAGE_MEAN_KEY = "superclip.image_mean";
    public static final String IMAGE_STD_KEY = "superclip.image_std";
    public static final String CONTEXT_LENGTH_KEY = "superclip.context_length";
    public static final String EMBED_DIM_KEY = "superclip.embed_dim";
    public static final String TOKENIZER_KEY = "superclip.tokenizer";
    /** CLIP's per-channel mean of RGB values in [0, 1]. */
    public static final double[] IMAGE_MEAN = {0.48145466, 0.4578275, 0.40821073};
    /** CLIP's per-channel standard deviation of RGB values in [0, 1]. */
    public static final double[] IMAGE_STD = {0.26862954, 0.26130258, 0.27577711};

    private InferenceExport() {
    }

    /**
     * Exports the weights of a training checkpoint (trainable and frozen parameters alike; the optimizer moments are
     * not read). An encoder whose weights pass {@link OrtCheckpoint#EXTERNAL_DATA_THRESHOLD} bytes keeps them in
     * {@code <encoder>.onnx.data} beside it (ONNX external data; see {@link TrainingArtifacts#writeModel}).
     */
    public static void write(Path dir, ModelConfig config, Path checkpoint, String tokenizer) {
        write(dir, config, checkpointWeights(checkpoint), tokenizer);
    }

    /** Every parameter of a training checkpoint, trainable and frozen alike, by name. */
    public static Map<String, float[]> checkpointWeights(Path checkpoint) {
        OrtCheckpoint c = OrtCheckpoint.readParameters(checkpoint);
        Map<String, float[]> weights = new HashMap<>();
        c.trainable().forEach(t -> weights.put(t.name(), t.values()));
        c.frozen().forEach(t -> weights.put(t.name(), t.values()));
        return weights;
    }

    /**
     * Exports {@code weights} (parameter name to values; the head's, if present, are ignored).
     *
     * @param tokenizer the tokenizer's identity, e.g. {@code clip-bpe-49408}, for whoever loads the encoders
     */
    public static void write(Path dir, ModelConfig config, Map<String, float[]> weights, String tokenizer) {
        write(dir, config, weights, tokenizer, IMAGE_MEAN, IMAGE_STD);
    }

    /**
     * Exports {@code weights} of a model whose images are normalised with {@code imageMean} and {@code imageStd}
     * (RGB, values in [0, 1]) instead of CLIP's: e.g. a pretrained open_clip model with its own preprocessing.
     */
    public static void write(Path dir, ModelConfig config, Map<String, float[]> weights, String tokenizer,
            double[] imageMean, double[] imageStd) {
        write(dir, config, weights, tokenizer, imageMean, imageStd, OrtCheckpoint.EXTERNAL_DATA_THRESHOLD);
    }

    /** Exports {@code weights}, each encoder with external data when its weights pass {@code externalDataThreshold}. */
    public static void write(Path dir, ModelConfig config, Map<String, float[]> weights, String tokenizer,
            double[] imageMean, double[] imageStd, long externalDataThreshold) {
        Graph g = Graph.forInference();
        Value pixels = SuperClipModel.pixels(g, config, Shape.UNKNOWN);
        Value ids = SuperClipModel.inputIds(g, config, Shape.UNKNOWN, Shape.UNKNOWN);
        Value image = SuperClipModel.encodeImage(pixels, config);
        Value text = SuperClipModel.encodeText(ids, config);
        checkShapes(g.parameters(), weights);
        Map<String, String> metadata = metadata(config, tokenizer);
        metadata.put(IMAGE_MEAN_KEY, jsonArray(imageMean));
        metadata.put(IMAGE_STD_KEY, jsonArray(imageStd));
        ModelSpec imageSpec = new ModelSpec("image_encoder", List.of(pixels), Map.of(SuperClipModel.IMAGE_EMBEDS, image),
                weights, metadata);
        ModelSpec textSpec = new ModelSpec("text_encoder", List.of(ids), Map.of(SuperClipModel.TEXT_EMBEDS, text),
                weights, metadata);
        try {
            Files.createDirectories(dir);
            TrainingArtifacts.writeModel(dir.resolve(IMAGE_ENCODER), imageSpec.toProto(), externalDataThreshold);
            TrainingArtifacts.writeModel(dir.resolve(TEXT_ENCODER), textSpec.toProto(), externalDataThreshold);
        } catch (IOException e) {
            throw new ArtifactException("cannot write the encoders to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@value #TOKEN_HEAD}: the image tower with SuperCLIP's classification head, {@value SuperClipModel#PIXELS}
     * [B, 3, S, S] → {@value #TOKEN_LOGITS} [B, V], to look at what the head predicts for an image. Like the
     * encoders, forward operators only and the weights embedded (external data past
     * {@link OrtCheckpoint#EXTERNAL_DATA_THRESHOLD} bytes).
     *
     * @param weights the parameters of a SuperCLIP checkpoint (see {@link #checkpointWeights}), the head's included
     */
    public static void writeTokenHead(Path dir, ModelConfig config, Map<String, float[]> weights, String tokenizer) {
        Graph g = Graph.forInference();
        Value pixels = SuperClipModel.pixels(g, config, Shape.UNKNOWN);
        Value logits = SuperClipModel.tokenLogits(pixels, config);
        checkShapes(g.parameters(), weights);
        ModelSpec spec = new ModelSpec("token_head", List.of(pixels), Map.of(TOKEN_LOGITS, logits), weights,
                metadata(config, tokenizer));
        try {
            Files.createDirectories(dir);
            TrainingArtifacts.writeModel(dir.resolve(TOKEN_HEAD), spec.toProto(), OrtCheckpoint.EXTERNAL_DATA_THRESHOLD);
        } catch (IOException e) {
            throw new ArtifactException("cannot write the token head to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The metadata both encoders carry. */
    public static Map<String, String> metadata(ModelConfig config, String tokenizer) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(CONFIG_KEY, config.toJson());
        m.put(IMAGE_SIZE_KEY, Integer.toString(config.vision().imageSize()));
        m.put(IMAGE_MEAN_KEY, jsonArray(IMAGE_MEAN));
        m.put(IMAGE_STD_KEY, jsonArray(IMAGE_STD));
        m.put(CONTEXT_LENGTH_KEY, Integer.toString(config.text().contextLength()));
        m.put(EMBED_DIM_KEY, Integer.toString(config.embedDim()));
        m.put(TOKENIZER_KEY, tokenizer);
        return m;
    }

    /** Fails unless every parameter the encoders use has weights of its size. */
    private static void checkShapes(List<Parameter> parameters, Map<String, float[]> weights) {
        for (Parameter p : parameters) {
            float[] w = weights.get(p.name());
            if (w == null) {
                throw new ArtifactException("no weights for parameter " + p.name());
            }
            if (w.length != p.size()) {
                throw new ArtifactException("parameter " + p.name() + " has " + w.length + " values, the config wants "
                        + Shape.toString(p.shape()));
            }
        }
    }

    private static String jsonArray(double[] values) {
        return Arrays.stream(values).mapToObj(Double::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}
