package ai.superclip.interop;

import static ai.superclip.interop.OpenClipFormat.channels;
import static ai.superclip.interop.OpenClipFormat.integer;

import ai.superclip.artifacts.AtomicFiles;
import ai.superclip.graph.Parameter;
import ai.superclip.interop.SafeTensors.Tensor;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.model.TextConfig;
import ai.superclip.model.VisionConfig;
import ai.superclip.nn.Activation;
import ai.superclip.tokenization.ClipTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hugging Face's {@code CLIPModel}: {@value #WEIGHTS_FILE}, {@value #CONFIG_FILE} and
 * {@value #PREPROCESSOR_FILE}. Names map onto the SDK's (open_clip's) as transformers'
 * {@code convert_clip_original_pytorch_to_hf.py} does: q/k/v projections are open_clip's packed
 * {@code in_proj_weight}/{@code in_proj_bias} split in q, k, v order; {@code visual_projection.weight} and
 * {@code text_projection.weight} are the transposes of {@code visual.proj} and {@code text_projection}; and
 * {@code pre_layrnorm} (sic), {@code post_layernorm}, {@code final_layer_norm}, {@code layer_norm1/2},
 * {@code mlp.fc1/fc2} are {@code ln_pre}, {@code ln_post}, {@code ln_final}, {@code ln_1/2}, {@code mlp.c_fc/c_proj}.
 * The SuperCLIP head has no place in this layout and is left out. Models with CLIP's vocabulary also get the
 * tokenizer as {@value #TOKENIZER_FILE}.
 */
final class HuggingFaceFormat {
    static final String WEIGHTS_FILE = "model.safetensors";
    static final String CONFIG_FILE = "config.json";
    static final String PREPROCESSOR_FILE = "preprocessor_config.json";
    /** Written for models with CLIP's vocabulary: the SDK's CLIP BPE tokenizer in Hugging Face's format. */
    static final String TOKENIZER_FILE = "tokenizer.json";
    static final String VISION_PREFIX = "vision_model.";
    /** LayerNorm epsilon of the SDK's graphs. */
    private static final double LAYER_NORM_EPS = 1e-5;
    private static final Set<String> IGNORABLE = Set.of("text_model.embeddings.position_ids",
            "vision_model.embeddings.position_ids");
    /** SDK name prefix → Hugging Face name prefix, first match wins. */
    private static final List<String[]> PREFIXES = List.of(
            new String[] {"visual.conv1.weight", "vision_model.embeddings.patch_embedding.weight"},
            new String[] {"visual.class_embedding", "vision_model.embeddings.class_embedding"},
            new String[] {"visual.positional_embedding", "vision_model.embeddings.position_embedding.weight"},
            new String[] {"visual.ln_pre.", "vision_model.pre_layrnorm."},
            new String[] {"visual.ln_post.", "vision_model.post_layernorm."},
            new String[] {"visual.transformer.resblocks.", "vision_model.encoder.layers."},
            new String[] {"visual.proj", "visual_projection.weight"},
            new String[] {"token_embedding.weight", "text_model.embeddings.token_embedding.weight"},
            new String[] {"positional_embedding", "text_model.embeddings.position_embedding.weight"},
            new String[] {"ln_final.", "text_model.final_layer_norm."},
            new String[] {"transformer.resblocks.", "text_model.encoder.layers."},
            new String[] {"text_projection", "text_projection.weight"},
            new String[] {"logit_scale", "logit_scale"});
    /** Within a block: SDK part → Hugging Face part. */
    private static final List<String[]> BLOCK_PARTS = List.of(
            new String[] {".ln_1.", ".layer_norm1."},
            new String[] {".ln_2.", ".layer_norm2."},
            new String[] {".mlp.c_fc.", ".mlp.fc1."},
            new String[] {".mlp.c_proj.", ".mlp.fc2."},
            new String[] {".attn.out_proj.", ".self_attn.out_proj."});
    private static final String IN_PROJ = ".attn.in_proj_";

    private HuggingFaceFormat() {
    }

    /** The Hugging Face name of SDK parameter {@code name}; for a packed q/k/v tensor, with {@code %s} for q, k or v. */
    static String hfName(String name) {
        for (String[] rule : PREFIXES) {
            if (name.startsWith(rule[0])) {
                String hf = rule[1] + name.substring(rule[0].length());
                for (String[] part : BLOCK_PARTS) {
                    hf = hf.replace(part[0], part[1]);
                }
                int packed = hf.indexOf(IN_PROJ);
                return packed < 0 ? hf
                        : hf.substring(0, packed) + ".self_attn.%s_proj." + hf.substring(packed + IN_PROJ.length());
            }
        }
        throw new InteropException("parameter " + name + " has no Hugging Face name");
    }

    private static boolean isProjection(Parameter p) {
        return p.name().equals("visual.proj") || p.name().equals("text_projection");
    }

    /** The architecture in {@value #CONFIG_FILE} beside {@code file}, which must be there. */
    static ModelConfig architecture(SafeTensors file, Path dir) {
        Path configFile = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new InteropException(file.file() + " has Hugging Face tensor names but " + configFile + " is missing");
        }
        return config(PretrainedModel.readJson(configFile), configFile);
    }

    static PretrainedModel read(SafeTensors file, Path dir) {
        Path configFile = dir.resolve(CONFIG_FILE);
        ModelConfig config = architecture(file, dir);
        Path preprocessorFile = dir.resolve(PREPROCESSOR_FILE);
        JsonNode preprocessor = Files.isRegularFile(preprocessorFile) ? PretrainedModel.readJson(preprocessorFile) : null;
        TensorReader reader = new TensorReader(file, IGNORABLE);
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (Parameter p : PretrainedModel.clipParameters(config)) {
            String hf = hfName(p.name());
            long[] shape = p.shape();
            if (hf.contains("%s")) { // packed [3d, d] or [3d] from three [d, d] or [d]
                long[] part = shape.clone();
                part[0] /= 3;
                float[] q = reader.take(hf.formatted("q"), part);
                float[] k = reader.take(hf.formatted("k"), part);
                float[] v = reader.take(hf.formatted("v"), part);
                weights.put(p.name(), q == null || k == null || v == null ? null : concat(q, k, v));
            } else if (isProjection(p)) { // open_clip's [width, embed] is HF's Linear weight [embed, width]
                float[] w = reader.take(hf, shape[1], shape[0]);
                weights.put(p.name(), w == null ? null : transpose(w, (int) shape[1], (int) shape[0]));
            } else {
                weights.put(p.name(), reader.take(hf, shape));
            }
        }
        reader.finish("the Hugging Face CLIPModel of " + configFile);
        return new PretrainedModel(config, weights, null,
                channels(preprocessor, "image_mean", InferenceExport.IMAGE_MEAN, preprocessorFile),
                channels(preprocessor, "image_std", InferenceExport.IMAGE_STD, preprocessorFile));
    }

    static void write(PretrainedModel model, Path dir) {
        List<Tensor> tensors = new ArrayList<>();
        for (Parameter p : PretrainedModel.clipParameters(model.config())) {
            String hf = hfName(p.name());
            float[] values = model.weights().get(p.name());
            long[] shape = p.shape();
            if (hf.contains("%s")) {
                long[] part = shape.clone();
                part[0] /= 3;
                int n = values.length / 3;
                List<String> qkv = List.of("q", "k", "v");
                for (int i = 0; i < 3; i++) {
                    tensors.add(new Tensor(hf.formatted(qkv.get(i)), TensorType.F32, part,
                            Arrays.copyOfRange(values, i * n, (i + 1) * n)));
                }
            } else if (isProjection(p)) {
                tensors.add(new Tensor(hf, TensorType.F32, new long[] {shape[1], shape[0]},
                        transpose(values, (int) shape[0], (int) shape[1])));
            } else {
                tensors.add(new Tensor(hf, TensorType.F32, shape, values));
            }
        }
        SafeTensors.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
        PretrainedModel.writeJson(dir.resolve(CONFIG_FILE), configJson(model.config()));
        PretrainedModel.writeJson(dir.resolve(PREPROCESSOR_FILE), preprocessorJson(model));
        if (model.config().text().vocabSize() == TextConfig.CLIP_VOCAB_SIZE) {
            byte[] tokenizer = ClipTokenizer.clipTokenizerJson();
            try {
                AtomicFiles.write(dir.resolve(TOKENIZER_FILE), out -> out.write(tokenizer));
            } catch (IOException e) {
                throw new InteropException("cannot write " + dir.resolve(TOKENIZER_FILE) + ": " + e.getMessage(), e);
            }
        }
    }

    /** The model of a {@code CLIPModel} config.json, with transformers' defaults for absent keys. */
    static ModelConfig config(JsonNode root, Path file) {
        JsonNode v = tower(root, "vision_config");
        JsonNode t = tower(root, "text_config");
        int vocab = integer(t, "vocab_size", TextConfig.CLIP_VOCAB_SIZE, file);
        int eos = integer(t, "eos_token_id", 2, file);
        if (eos != 2 && eos != vocab - 1) { // 2: transformers' legacy configs, which pool at the largest id
            throw new InteropException(file + ": text_config eos_token_id " + eos + " is not the largest id "
                    + (vocab - 1) + "; the SDK pools the text at the largest id");
        }
        for (JsonNode tower : List.of(v, t)) {
            double eps = OpenClipFormat.number(tower, "layer_norm_eps", LAYER_NORM_EPS, file);
            if (eps != LAYER_NORM_EPS) {
                throw new InteropException(file + ": layer_norm_eps " + eps + " is not supported; the SDK's LayerNorm "
                        + "uses " + LAYER_NORM_EPS);
            }
        }
        int visionWidth = integer(v, "hidden_size", 768, file);
        int textWidth = integer(t, "hidden_size", 512, file);
        try {
            VisionConfig vision = new VisionConfig(integer(v, "image_size", 224, file), integer(v, "patch_size", 32, file),
                    visionWidth, integer(v, "num_hidden_layers", 12, file), integer(v, "num_attention_heads", 12, file),
                    integer(v, "intermediate_size", 3072, file) / (double) visionWidth, activation(v, file));
            TextConfig text = new TextConfig(vocab, integer(t, "max_position_embeddings", 77, file), textWidth,
                    integer(t, "num_attention_heads", 8, file), integer(t, "num_hidden_layers", 12, file),
                    integer(t, "intermediate_size", 2048, file) / (double) textWidth, activation(t, file));
            return new ModelConfig(integer(root, "projection_dim", 512, file), vision, text, ModelConfig.Loss.SUPERCLIP,
                    ModelConfig.DEFAULT_LAMBDA, Presets.REFERENCE_ADAMW);
        } catch (IllegalArgumentException e) {
            throw new InteropException(file + ": " + e.getMessage(), e);
        }
    }

    /** {@code key}'s object, or the {@code key + "_dict"} of configs written by older transformers. */
    private static JsonNode tower(JsonNode root, String key) {
        JsonNode tower = root.path(key);
        return tower.isObject() ? tower : root.path(key + "_dict");
    }

    private static Activation activation(JsonNode tower, Path file) {
        String name = tower.path("hidden_act").asText("quick_gelu");
        return switch (name) {
            case "quick_gelu" -> Activation.QUICK_GELU;
            case "gelu" -> Activation.GELU;
            case "gelu_new", "gelu_pytorch_tanh" -> Activation.GELU_TANH;
            default -> throw new InteropException(file + ": hidden_act '" + name + "' is not supported (quick_gelu, "
                    + "gelu, gelu_new, gelu_pytorch_tanh are)");
        };
    }

    private static String activationName(Activation a) {
        return switch (a) {
            case QUICK_GELU -> "quick_gelu";
            case GELU -> "gelu";
            case GELU_TANH -> "gelu_pytorch_tanh";
        };
    }

    static ObjectNode configJson(ModelConfig config) {
        VisionConfig v = config.vision();
        TextConfig t = config.text();
        ObjectNode root = PretrainedModel.JSON.createObjectNode();
        root.putArray("architectures").add("CLIPModel");
        root.put("model_type", "clip");
        root.put("projection_dim", config.embedDim());
        root.put("logit_scale_init_value", 2.6592);
        root.put("torch_dtype", "float32");
        ObjectNode text = root.putObject("text_config");
        text.put("model_type", "clip_text_model");
        text.put("vocab_size", t.vocabSize());
        text.put("max_position_embeddings", t.contextLength());
        text.put("hidden_size", t.width());
        text.put("intermediate_size", t.mlpWidth());
        text.put("num_attention_heads", t.heads());
        text.put("num_hidden_layers", t.layers());
        text.put("projection_dim", config.embedDim());
        text.put("hidden_act", activationName(t.activation()));
        text.put("layer_norm_eps", LAYER_NORM_EPS);
        text.put("bos_token_id", t.vocabSize() - 2);
        text.put("eos_token_id", t.vocabSize() - 1);
        text.put("pad_token_id", 1);
        ObjectNode vision = root.putObject("vision_config");
        vision.put("model_type", "clip_vision_model");
        vision.put("image_size", v.imageSize());
        vision.put("patch_size", v.patchSize());
        vision.put("num_channels", 3);
        vision.put("hidden_size", v.width());
        vision.put("intermediate_size", v.mlpWidth());
        vision.put("num_attention_heads", v.heads());
        vision.put("num_hidden_layers", v.layers());
        vision.put("projection_dim", config.embedDim());
        vision.put("hidden_act", activationName(v.activation()));
        vision.put("layer_norm_eps", LAYER_NORM_EPS);
        return root;
    }

    private static ObjectNode preprocessorJson(PretrainedModel model) {
        int size = model.config().vision().imageSize();
        ObjectNode p = PretrainedModel.JSON.createObjectNode();
        p.put("image_processor_type", "CLIPImageProcessor");
        p.put("do_resize", true);
        p.putObject("size").put("shortest_edge", size);
        p.put("resample", 3);
        p.put("do_center_crop", true);
        p.putObject("crop_size").put("height", size).put("width", size);
        p.put("do_rescale", true);
        p.put("rescale_factor", 1 / 255.0);
        p.put("do_normalize", true);
        p.putPOJO("image_mean", model.imageMean());
        p.putPOJO("image_std", model.imageStd());
        p.put("do_convert_rgb", true);
        return p;
    }

    private static float[] concat(float[]... parts) {
        float[] all = new float[Arrays.stream(parts).mapToInt(a -> a.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** The transpose of row-major [rows, cols] {@code m}. */
    static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }
}
