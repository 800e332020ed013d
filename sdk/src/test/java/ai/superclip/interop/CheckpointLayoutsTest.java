package ai.superclip.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.interop.PretrainedModel.Format;
import ai.superclip.interop.PretrainedModel.IdfState;
import ai.superclip.interop.SafeTensors.Tensor;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.ModelCost;
import ai.superclip.model.Presets;
import ai.superclip.nn.Activation;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three layouts map onto the SDK's parameters exactly, and bad checkpoints fail with every problem named. */
class CheckpointLayoutsTest {
    @TempDir
    Path dir;

    private final ModelConfig config = NarrowModels.config(Activation.QUICK_GELU);

    @Test
    void openClipToSdkToHuggingFaceToSdkToOpenClipIsBitExact() throws IOException {
        PretrainedModel original = NarrowModels.model(config, 1, false);
        original.save(dir.resolve("a"), Format.OPEN_CLIP);
        PretrainedModel viaOpenClip = PretrainedModel.load(dir.resolve("a"));
        viaOpenClip.save(dir.resolve("b"), Format.HF);
        PretrainedModel viaHf = PretrainedModel.load(dir.resolve("b"));
        viaHf.save(dir.resolve("c"), Format.OPEN_CLIP);

        assertEquals(config, viaHf.config());
        assertSameWeights(original.weights(), viaHf.weights());
        assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(OpenClipFormat.WEIGHTS_FILE)),
                Files.readAllBytes(dir.resolve("c").resolve(OpenClipFormat.WEIGHTS_FILE)), "open_clip file bytes");
        assertEquals(Files.readString(dir.resolve("a").resolve(OpenClipFormat.CONFIG_FILE)),
                Files.readString(dir.resolve("c").resolve(OpenClipFormat.CONFIG_FILE)));
    }

    @Test
    void huggingFaceNamesFollowTheConversionScript() {
        PretrainedModel model = NarrowModels.model(config, 2, false);
        model.save(dir, Format.HF);
        SafeTensors hf = SafeTensors.read(dir.resolve(HuggingFaceFormat.WEIGHTS_FILE));
        int d = config.vision().width();
        float[] packed = model.weights().get("visual.transformer.resblocks.1.attn.in_proj_weight");
        assertArrayEquals(Arrays.copyOfRange(packed, d * d, 2 * d * d),
                hf.floats("vision_model.encoder.layers.1.self_attn.k_proj.weight"), "k is the middle third");
        float[] bias = model.weights().get("transformer.resblocks.0.attn.in_proj_bias");
        int t = config.text().width();
        assertArrayEquals(Arrays.copyOfRange(bias, 2 * t, 3 * t), hf.floats("text_model.encoder.layers.0.self_attn.v_proj.bias"));
        float[] proj = model.weights().get("visual.proj"); // [width, embed]
        float[] hfProj = hf.floats("visual_projection.weight"); // [embed, width]
        int e = config.embedDim();
        assertEquals(proj[3 * e + 5], hfProj[5 * d + 3]);
        assertArrayEquals(model.weights().get("visual.ln_pre.weight"), hf.floats("vision_model.pre_layrnorm.weight"));
        assertArrayEquals(model.weights().get("ln_final.bias"), hf.floats("text_model.final_layer_norm.bias"));
        assertArrayEquals(model.weights().get("transformer.resblocks.1.mlp.c_proj.weight"),
                hf.floats("text_model.encoder.layers.1.mlp.fc2.weight"));
        assertArrayEquals(model.weights().get("visual.transformer.resblocks.0.ln_2.bias"),
                hf.floats("vision_model.encoder.layers.0.layer_norm2.bias"));
        assertEquals(4 * 16 + 14, hf.entries().size(), "16 tensors in each of the 4 blocks, 14 others");
        assertEquals(0, hf.entry("logit_scale").shape().length, "0-d, as nn.Parameter(torch.tensor(v))");
    }

    @Test
    void superClipReleaseCheckpointLoadsHeadTextPrefixAndIdf() throws IOException {
        ModelConfig wide = NarrowModels.config(Activation.GELU, 64, 1, 64, 1); // heads = width / 64 from shapes alone
        PretrainedModel model = NarrowModels.model(wide, 3, true);
        List<Tensor> tensors = new ArrayList<>();
        model.weights().forEach((name, values) -> {
            long[] shape = PretrainedModel.parameters(wide).stream().filter(p -> p.name().equals(name)).findFirst()
                    .orElseThrow().shape();
            String fileName = name.startsWith("superclip_head.norm.") ? "text_decoder.ln_mlp." + name.substring(20)
                    : name.startsWith("superclip_head.fc.") ? "text_decoder.text_projection." + name.substring(18)
                    : name.startsWith("visual.") || name.equals("logit_scale") ? name : "text." + name;
            tensors.add(new Tensor(fileName, TensorType.F32, shape, values));
        });
        double[] frequencies = new double[NarrowModels.VOCAB];
        frequencies[5] = 0.1 + 1e-12; // needs float64 to survive
        tensors.add(new Tensor("text_decoder.num_samples", TensorType.F32, new long[] {1, 1}, new float[] {42}));
        tensors.add(Tensor.ofDoubles("text_decoder.cap_fq", new long[] {1, NarrowModels.VOCAB}, frequencies));
        Path file = dir.resolve("superclip.safetensors");
        SafeTensors.write(file, tensors, Map.of());

        PretrainedModel loaded = PretrainedModel.load(file);
        assertEquals(wide, loaded.config(), "architecture from the shapes");
        assertTrue(loaded.hasHead());
        assertSameWeights(model.weights(), loaded.weights());
        IdfState idf = loaded.idf();
        assertEquals(42, idf.samples());
        assertEquals(0.1 + 1e-12, idf.frequencies()[5]);
    }

    @Test
    void openClipConfigGivesHeadsActivationAndPreprocessing() throws IOException {
        Path d = dir.resolve("oc");
        double[] frequencies = new double[NarrowModels.VOCAB];
        frequencies[7] = 1 / 3.0;
        PretrainedModel model = new PretrainedModel(config, NarrowModels.weights(config, 4, true),
                new IdfState(frequencies, 3), new double[] {0.5, 0.5, 0.5}, new double[] {0.25, 0.5, 1});
        model.save(d, Format.OPEN_CLIP);
        PretrainedModel loaded = PretrainedModel.load(d.resolve(OpenClipFormat.WEIGHTS_FILE));
        assertEquals(config, loaded.config());
        assertArrayEquals(new double[] {0.25, 0.5, 1}, loaded.imageStd());
        assertTrue(loaded.hasHead());
        assertEquals(3, loaded.idf().samples());
        assertArrayEquals(frequencies, loaded.idf().frequencies(), "IDF kept in float64");
        assertSameWeights(model.weights(), loaded.weights());
        String json = Files.readString(d.resolve(OpenClipFormat.CONFIG_FILE));
        assertTrue(json.contains("\"quick_gelu\" : true") && json.contains("\"head_width\" : 16"), json);
    }

    @Test
    void missingWrongShapedAndUnknownTensorsAreListedTogether() {
        PretrainedModel model = NarrowModels.model(config, 5, false);
        model.save(dir, Format.OPEN_CLIP);
        Path file = dir.resolve(OpenClipFormat.WEIGHTS_FILE);
        SafeTensors in = SafeTensors.read(file);
        List<Tensor> tensors = new ArrayList<>();
        in.entries().values().stream().filter(e -> !e.name().equals("ln_final.bias")).forEach(e -> tensors.add(
                e.name().equals("visual.ln_post.weight")
                        ? new Tensor(e.name(), TensorType.F32, new long[] {2, 16}, in.floats(e.name()))
                        : new Tensor(e.name(), TensorType.F32, e.shape(), in.floats(e.name()))));
        tensors.add(new Tensor("visual.extra.weight", TensorType.F32, new long[] {1}, new float[] {1}));
        SafeTensors.write(file, tensors, Map.of());
        InteropException e = assertThrows(InteropException.class, () -> PretrainedModel.load(dir));
        for (String part : List.of(file.toString(), "missing ln_final.bias [24]", "visual.ln_post.weight is [2, 16]",
                "unknown tensors [visual.extra.weight]")) {
            assertTrue(e.getMessage().contains(part), e.getMessage() + " should say " + part);
        }
    }

    @Test
    void configDisagreeingWithTheTensorsAndUnsupportedSettingsFail() throws IOException {
        NarrowModels.model(config, 6, false).save(dir, Format.HF);
        Path configFile = dir.resolve(HuggingFaceFormat.CONFIG_FILE);
        String json = Files.readString(configFile);
        Files.writeString(configFile, json.replace("\"num_hidden_layers\" : 2", "\"num_hidden_layers\" : 3"));
        InteropException deeper = assertThrows(InteropException.class, () -> PretrainedModel.load(dir));
        assertTrue(deeper.getMessage().contains("missing vision_model.encoder.layers.2.self_attn.q_proj.weight"),
                deeper.getMessage());
        Files.writeString(configFile, json.replace("\"layer_norm_eps\" : 1.0E-5", "\"layer_norm_eps\" : 1.0E-6"));
        assertTrue(assertThrows(InteropException.class, () -> PretrainedModel.load(dir)).getMessage()
                .contains("layer_norm_eps 1.0E-6 is not supported"));
        Files.delete(configFile);
        assertTrue(assertThrows(InteropException.class, () -> PretrainedModel.load(dir)).getMessage()
                .contains("config.json is missing"));
    }

    @Test
    void widthsNotAMultipleOf64NeedAConfig() throws IOException {
        NarrowModels.model(config, 7, false).save(dir, Format.OPEN_CLIP);
        Files.delete(dir.resolve(OpenClipFormat.CONFIG_FILE));
        InteropException e = assertThrows(InteropException.class, () -> PretrainedModel.load(dir));
        assertTrue(e.getMessage().contains("open_clip_config.json"), e.getMessage());
    }

    @Test
    void huggingFacePositionIdsAreNotWeightsAndTheHeadIsLeftOut() throws IOException {
        PretrainedModel model = NarrowModels.model(config, 8, true);
        model.save(dir, Format.HF);
        appendI64(dir.resolve(HuggingFaceFormat.WEIGHTS_FILE), "text_model.embeddings.position_ids", NarrowModels.CONTEXT);
        PretrainedModel loaded = PretrainedModel.load(dir);
        assertFalse(loaded.hasHead());
        assertNull(loaded.idf());
        assertSameWeights(model.withoutHead().weights(), loaded.weights());
    }

    @Test
    void publishedConfigsReadAsTheMatchingPresets() throws IOException {
        // the architecture keys of openai/clip-vit-base-patch32's config.json (legacy eos_token_id 2: argmax pooling)
        String hf = """
                {"projection_dim": 512, "logit_scale_init_value": 2.6592,
                 "text_config": {"hidden_size": 512, "intermediate_size": 2048, "num_attention_heads": 8,
                   "num_hidden_layers": 12, "max_position_embeddings": 77, "vocab_size": 49408,
                   "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05, "bos_token_id": 0, "eos_token_id": 2},
                 "vision_config": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12,
                   "num_hidden_layers": 12, "image_size": 224, "patch_size": 32, "hidden_act": "quick_gelu",
                   "layer_norm_eps": 1e-05}}""";
        Path file = dir.resolve("config.json");
        assertEquals(Presets.get("ViT-B-32-quickgelu"),
                HuggingFaceFormat.config(PretrainedModel.JSON.readTree(hf), file));
        // open_clip's model_configs/ViT-L-14.json and ViT-B-32-quickgelu.json
        String large = """
                {"embed_dim": 768, "vision_cfg": {"image_size": 224, "layers": 24, "width": 1024, "patch_size": 14},
                 "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 768, "heads": 12, "layers": 12}}""";
        assertEquals(Presets.get("ViT-L-14"), OpenClipFormat.config(PretrainedModel.JSON.readTree(large), file));
        String quick = """
                {"embed_dim": 512, "quick_gelu": true,
                 "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 32},
                 "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}""";
        assertEquals(Presets.get("ViT-B-32-quickgelu"), OpenClipFormat.config(PretrainedModel.JSON.readTree(quick), file));
    }

    @Test
    void openClipPresetsHaveOpenClipsParameterCounts() {
        // open_clip's model profile: ViT-L-14 427.62 M, ViT-B-32 151.28 M
        assertEquals(427.62, ModelCost.of(Presets.get("ViT-L-14").withLoss(ModelConfig.Loss.CLIP)).totalParameters() / 1e6,
                0.005);
        assertEquals(151.28, ModelCost.of(Presets.get("ViT-B-32").withLoss(ModelConfig.Loss.CLIP)).totalParameters() / 1e6,
                0.005);
        assertEquals(Activation.QUICK_GELU, Presets.get("ViT-B-32-quickgelu").vision().activation());
        assertEquals(Activation.QUICK_GELU, Presets.get("ViT-B-32-quickgelu").text().activation());
        assertEquals(Activation.GELU, Presets.get("ViT-B-32").text().activation());
    }

    /** Adds an int64 tensor [1, n] of 0..n-1 (Hugging Face's position_ids) at the end of a safetensors file. */
    private static void appendI64(Path file, String name, int n) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int headerLength = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        ObjectNode header = (ObjectNode) new ObjectMapper().readTree(
                new String(bytes, 8, headerLength, StandardCharsets.UTF_8));
        int dataLength = bytes.length - 8 - headerLength;
        ObjectNode entry = header.putObject(name);
        entry.put("dtype", "I64");
        entry.putArray("shape").add(1).add(n);
        entry.putArray("data_offsets").add(dataLength).add(dataLength + 8 * n);
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + dataLength + 8 * n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(bytes, 8 + headerLength, dataLength);
        for (long i = 0; i < n; i++) {
            out.putLong(i);
        }
        Files.write(file, out.array());
    }

    private static void assertSameWeights(Map<String, float[]> expected, Map<String, float[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, values) -> assertArrayEquals(values, actual.get(name), name));
    }
}
