package ai.superclip.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.graph.Parameter;
import ai.superclip.inference.Model;
import ai.superclip.inference.ZeroShotClassifier;
import ai.superclip.interop.PretrainedModel;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.model.SuperClipModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code convert} and {@code export --pretrained / --format} on a Hugging Face checkpoint of the tiny preset. */
class PretrainedCliTest {
    @TempDir
    Path dir;

    @Test
    void convertExportAndServeAPretrainedCheckpoint() throws Exception {
        ModelConfig tiny = Presets.get("tiny");
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (Parameter p : SuperClipModel.training(tiny.withLoss(ModelConfig.Loss.CLIP)).graph().parameters()) {
            weights.put(p.name(), p.initialValue(5));
        }
        Path hf = dir.resolve("hf");
        new PretrainedModel(tiny, weights, null, InferenceExport.IMAGE_MEAN, InferenceExport.IMAGE_STD)
                .save(hf, PretrainedModel.Format.HF);

        Path openClip = dir.resolve("open_clip");
        SuperClipCliTest.Run converted = SuperClipCliTest.run("convert", "--in", hf.toString(), "--to", "open_clip",
                "--out", openClip.toString());
        assertEquals(0, converted.code(), converted.err());
        assertTrue(Files.isRegularFile(openClip.resolve("open_clip_config.json")));
        assertTrue(Files.readString(hf.resolve("tokenizer.json")).contains("<|endoftext|>"), "CLIP's tokenizer beside HF weights");

        Path back = dir.resolve("hf-again");
        SuperClipCliTest.Run exported = SuperClipCliTest.run("export", "--pretrained", openClip.toString(), "--format",
                "hf", "--out", back.toString());
        assertEquals(0, exported.code(), exported.err());
        assertArrayEquals(Files.readAllBytes(hf.resolve("model.safetensors")),
                Files.readAllBytes(back.resolve("model.safetensors")), "hf -> open_clip -> hf is bit-exact");

        Path encoders = dir.resolve("encoders");
        SuperClipCliTest.Run served = SuperClipCliTest.run("export", "--pretrained", hf.toString(), "--out",
                encoders.toString());
        assertEquals(0, served.code(), served.err());
        try (Model model = Model.load(encoders)) {
            ZeroShotClassifier classifier = model.zeroShot(List.of("cat", "dog"), List.of("a photo of a {}."));
            assertEquals(2, classifier.classNames().size());
            assertEquals(tiny.embedDim(), classifier.prototypes()[0].length);
        }

        SuperClipCliTest.Run bad = SuperClipCliTest.run("convert", "--in", hf.toString(), "--to", "onnx", "--out",
                dir.resolve("x").toString());
        assertTrue(bad.code() != 0 && bad.err().contains("unknown checkpoint format 'onnx'"), bad.err());
    }
}
