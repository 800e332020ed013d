package ai.superclip.interop;

import ai.superclip.graph.Parameter;
import ai.superclip.interop.PretrainedModel.IdfState;
import ai.superclip.interop.SafeTensors.Tensor;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.model.TextConfig;
import ai.superclip.model.VisionConfig;
import ai.superclip.nn.Activation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * open_clip's layout, whose tensor names are the SDK's own, and SuperCLIP's release checkpoints (an open_clip
 * fork): the text tower possibly under {@code text.}, the classification head as
 * {@code text_decoder.ln_mlp.*} (the SDK's {@code superclip_head.norm.*}) and {@code text_decoder.text_projection.*}
 * ({@code superclip_head.fc.*}), the IDF statistics as buffers {@code cap_fq} [1, V] and {@code num_samples} [1, 1].
 *
 * <p>The architecture comes from {@value #CONFIG_FILE} ({@code {"model_cfg": ..., "preprocess_cfg": ...}}, or a
 * bare model config as in open_clip's {@code model_configs/*.json}) or, without one, from the tensors' shapes
 * with open_clip's defaults: heads = width / 64, plain GELU.
 */
final class OpenClipFormat {
    static final String CONFIG_FILE = "open_clip_config.json";
    static final String WEIGHTS_FILE = "open_clip_model.safetensors";
    /** SuperCLIP's buffer of per-id running frequencies, written under the head's module. */
    static final String CAP_FQ = "text_decoder.cap_fq";
    static final String NUM_SAMPLES = "text_decoder.num_samples";
    /** Non-weight entries some state dicts carry (OpenAI's JIT leftovers, an older persistent mask). */
    private static final Set<String> IGNORABLE = Set.of("attn_mask", "text.attn_mask", "input_resolution",
            "context_length", "vocab_size");
    private static final Map<String, String> HEAD_NAMES = Map.of(
            "superclip_head.norm.", "text_decoder.ln_mlp.",
            "superclip_head.fc.", "text_decoder.text_projection.");
    private static final int HEAD_WIDTH = 64;

    private OpenClipFormat() {
    }

    /** The architecture of {@code file}: from {@value #CONFIG_FILE} in {@code dir} if there is one, else its shapes. */
    static ModelConfig architecture(SafeTensors file, Path dir) {
        Path configFile = dir.resolve(CONFIG_FILE);
        return architecture(file, configRoot(configFile), configFile);
    }

    /** The parsed {@value #CONFIG_FILE}, or null when there is none. */
    private static JsonNode configRoot(Path configFile) {
        return Files.isRegularFile(configFile) ? PretrainedModel.readJson(configFile) : null;
    }

    private static ModelConfig architecture(SafeTensors file, JsonNode root, Path configFile) {
        return root != null ? config(root.has("model_cfg") ? root.get("model_cfg") : root, configFile)
                : fromShapes(file, textPrefix(file));
    }

    private static String textPrefix(SafeTensors file) {
        return file.entries().containsKey("text.token_embedding.weight") ? "text." : "";
    }

    static PretrainedModel read(SafeTensors file, Path dir) {
        String textPrefix = textPrefix(file);
        Path configFile = dir.resolve(CONFIG_FILE);
        JsonNode root = configRoot(configFile);
        ModelConfig config = architecture(file, root, configFile);
        JsonNode preprocess = root == null ? null : root.get("preprocess_cfg");
        double[] mean = channels(preprocess, "mean", InferenceExport.IMAGE_MEAN, configFile);
        double[] std = channels(preprocess, "std", InferenceExport.IMAGE_STD, configFile);

        TensorReader reader = new TensorReader(file, IGNORABLE);
        boolean head = file.entries().keySet().stream().anyMatch(n -> n.startsWith("text_decoder."));
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (Parameter p : PretrainedModel.parameters(config)) {
            if (head || !PretrainedModel.isHead(p)) {
                weights.put(p.name(), reader.take(fileName(p.name(), textPrefix), p.shape()));
            }
        }
        IdfState idf = readIdf(file, reader, config.text().vocabSize());
        reader.finish("the open_clip layout of " + config.toJson() + (root == null ? " (from the tensors' shapes)"
                : " (from " + configFile + ")"));
        return new PretrainedModel(config, weights, idf, mean, std);
    }

    /** The IDF buffers, under the head's module or at the top level, or null when the file has none. */
    private static IdfState readIdf(SafeTensors file, TensorReader reader, int vocab) {
        for (String prefix : List.of("text_decoder.", "")) {
            if (file.entries().containsKey(prefix + "cap_fq")) {
                double[] frequencies = reader.takeDoubles(prefix + "cap_fq", 1, vocab);
                double[] samples = reader.takeDoubles(prefix + "num_samples", 1, 1);
                return frequencies == null || samples == null ? null : new IdfState(frequencies, samples[0]);
            }
        }
        return null;
    }

    /** The file's name of SDK parameter {@code name}. */
    static String fileName(String name, String textPrefix) {
        for (Map.Entry<String, String> e : HEAD_NAMES.entrySet()) {
            if (name.startsWith(e.getKey())) {
                return e.getValue() + name.substring(e.getKey().length());
            }
        }
        boolean text = !name.startsWith("visual.") && !name.equals("logit_scale");
        return text ? textPrefix + name : name;
    }

    static void write(PretrainedModel model, Path dir) {
        List<Tensor> tensors = new ArrayList<>();
        for (Parameter p : PretrainedModel.parameters(model.config())) {
            float[] values = model.weights().get(p.name());
            if (values != null) {
                tensors.add(new Tensor(fileName(p.name(), ""), TensorType.F32, p.shape(), values));
            }
        }
        if (model.idf() != null) { // float64, as SuperCLIP keeps them
            double[] frequencies = model.idf().frequencies();
            tensors.add(Tensor.ofDoubles(CAP_FQ, new long[] {1, frequencies.length}, frequencies));
            tensors.add(Tensor.ofDoubles(NUM_SAMPLES, new long[] {1, 1}, new double[] {model.idf().samples()}));
        }
        SafeTensors.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
        ObjectNode root = PretrainedModel.JSON.createObjectNode();
        root.set("model_cfg", configJson(model.config()));
        ObjectNode preprocess = root.putObject("preprocess_cfg");
        preprocess.putPOJO("mean", model.imageMean());
        preprocess.putPOJO("std", model.imageStd());
        preprocess.put("interpolation", "bicubic");
        preprocess.put("resize_mode", "shortest");
        PretrainedModel.writeJson(dir.resolve(CONFIG_FILE), root);
    }

    /** open_clip's model config of {@code config}. */
    static ObjectNode configJson(ModelConfig config) {
        VisionConfig v = config.vision();
        TextConfig t = config.text();
        if (v.activation() != t.activation() || v.activation() == Activation.GELU_TANH) {
            throw new InteropException("open_clip has one activation for both towers, GELU or QuickGELU; this model has "
                    + v.activation() + " and " + t.activation());
        }
        ObjectNode m = PretrainedModel.JSON.createObjectNode();
        m.put("embed_dim", config.embedDim());
        m.put("quick_gelu", v.activation() == Activation.QUICK_GELU);
        ObjectNode vision = m.putObject("vision_cfg");
        vision.put("image_size", v.imageSize());
        vision.put("layers", v.layers());
        vision.put("width", v.width());
        vision.put("head_width", v.width() / v.heads());
        vision.put("mlp_ratio", v.mlpRatio());
        vision.put("patch_size", v.patchSize());
        ObjectNode text = m.putObject("text_cfg");
        text.put("context_length", t.contextLength());
        text.put("vocab_size", t.vocabSize());
        text.put("width", t.width());
        text.put("heads", t.heads());
        text.put("layers", t.layers());
        text.put("mlp_ratio", t.mlpRatio());
        return m;
    }

    /** The model of an open_clip model config ({@code embed_dim}, {@code quick_gelu}, {@code vision_cfg}, {@code text_cfg}). */
    static ModelConfig config(JsonNode m, Path file) {
        Activation activation = m.path("quick_gelu").asBoolean(false) ? Activation.QUICK_GELU : Activation.GELU;
        JsonNode v = m.path("vision_cfg");
        JsonNode t = m.path("text_cfg");
        int visionWidth = integer(v, "width", 768, file);
        int headWidth = integer(v, "head_width", HEAD_WIDTH, file);
        if (visionWidth % headWidth != 0) {
            throw new InteropException(file + ": vision_cfg width " + visionWidth + " is not a multiple of head_width "
                    + headWidth);
        }
        try {
            VisionConfig vision = new VisionConfig(integer(v, "image_size", 224, file), integer(v, "patch_size", 16, file),
                    visionWidth, integer(v, "layers", 12, file), visionWidth / headWidth, number(v, "mlp_ratio", 4.0, file),
                    activation);
            TextConfig text = new TextConfig(integer(t, "vocab_size", TextConfig.CLIP_VOCAB_SIZE, file),
                    integer(t, "context_length", TextConfig.CLIP_CONTEXT_LENGTH, file), integer(t, "width", 512, file),
                    integer(t, "heads", 8, file), integer(t, "layers", 12, file), number(t, "mlp_ratio", 4.0, file),
                    activation);
            return new ModelConfig(integer(m, "embed_dim", 512, file), vision, text, ModelConfig.Loss.SUPERCLIP,
                    ModelConfig.DEFAULT_LAMBDA, Presets.REFERENCE_ADAMW);
        } catch (IllegalArgumentException e) {
            throw new InteropException(file + ": " + e.getMessage(), e);
        }
    }

    /** The architecture from the tensors' shapes, with open_clip's defaults for what shapes do not tell. */
    static ModelConfig fromShapes(SafeTensors file, String textPrefix) {
        long[] conv = shape(file, "visual.conv1.weight");
        long[] visualPositions = shape(file, "visual.positional_embedding");
        long[] proj = shape(file, "visual.proj");
        long[] tokens = shape(file, textPrefix + "token_embedding.weight");
        long[] textPositions = shape(file, textPrefix + "positional_embedding");
        int width = (int) conv[0];
        int patch = (int) conv[2];
        int grid = (int) Math.round(Math.sqrt(visualPositions[0] - 1));
        int textWidth = (int) tokens[1];
        for (int w : List.of(width, textWidth)) {
            if (w % HEAD_WIDTH != 0) {
                throw new InteropException(file.file() + ": width " + w + " is not a multiple of 64, so the number of "
                        + "attention heads cannot be inferred; put " + CONFIG_FILE + " beside the file");
            }
        }
        double visionMlp = shape(file, "visual.transformer.resblocks.0.mlp.c_fc.weight")[0] / (double) width;
        double textMlp = shape(file, textPrefix + "transformer.resblocks.0.mlp.c_fc.weight")[0] / (double) textWidth;
        try {
            VisionConfig vision = new VisionConfig(grid * patch, patch, width, layers(file, "visual."),
                    width / HEAD_WIDTH, visionMlp, Activation.GELU);
            TextConfig text = new TextConfig((int) tokens[0], (int) textPositions[0], textWidth, textWidth / HEAD_WIDTH,
                    layers(file, textPrefix), textMlp, Activation.GELU);
            return new ModelConfig((int) proj[1], vision, text, ModelConfig.Loss.SUPERCLIP,
                    ModelConfig.DEFAULT_LAMBDA, Presets.REFERENCE_ADAMW);
        } catch (IllegalArgumentException e) {
            throw new InteropException(file.file() + ": the tensors' shapes give no valid architecture: "
                    + e.getMessage(), e);
        }
    }

    /** The number of blocks {@code tower + "transformer.resblocks.i."} in the file. */
    private static int layers(SafeTensors file, String tower) {
        String prefix = tower + "transformer.resblocks.";
        return (int) file.entries().keySet().stream().filter(n -> n.startsWith(prefix))
                .map(n -> n.substring(prefix.length(), n.indexOf('.', prefix.length()))).distinct().count();
    }

    private static long[] shape(SafeTensors file, String name) {
        return file.entry(name).shape();
    }

    static int integer(JsonNode node, String key, int fallback, Path file) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new InteropException(file + ": '" + key + "' is " + v + ", not an integer");
        }
        return v.intValue();
    }

    static double number(JsonNode node, String key, double fallback, Path file) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new InteropException(file + ": '" + key + "' is " + v + ", not a number");
        }
        return v.doubleValue();
    }

    /** Three RGB values under {@code key}, or {@code fallback} when {@code node} or the key is absent. */
    static double[] channels(JsonNode node, String key, double[] fallback, Path file) {
        JsonNode v = node == null ? null : node.get(key);
        if (v == null || v.isNull()) {
            return fallback.clone();
        }
        if (!v.isArray() || v.size() != 3 || !v.get(0).isNumber() || !v.get(1).isNumber() || !v.get(2).isNumber()) {
            throw new InteropException(file + ": '" + key + "' is " + v + ", not three numbers");
        }
        return new double[] {v.get(0).doubleValue(), v.get(1).doubleValue(), v.get(2).doubleValue()};
    }
}
