package ai.superclip.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.superclip.inference.Model;
import ai.superclip.interop.PretrainedModel.Format;
import ai.superclip.interop.SafeTensors.Tensor;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.ModelConfig;
import ai.superclip.nn.Activation;
import ai.superclip.runtime.OrtRuntime;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A narrow random model written as Hugging Face CLIPModel and as open_clip files, in F32, F16 and BF16, with GELU
 * and with QuickGELU, served through the SDK's exported encoders gives the embeddings of an independent float64
 * forward written from transformers' definitions ({@link HfClipReference}) over the Hugging Face file, within 1e-5.
 */
class PretrainedEncodersTest {
    private static final int BATCH = 3;

    @TempDir
    Path dir;

    @Test
    void exportedEncodersOfHuggingFaceFilesMatchTheReferenceForward() throws Exception {
        List<String> report = new ArrayList<>();
        for (Activation activation : List.of(Activation.GELU, Activation.QUICK_GELU)) {
            for (TensorType type : List.of(TensorType.F32, TensorType.F16, TensorType.BF16)) {
                Path hf = dir.resolve(activation + "-" + type);
                ModelConfig config = NarrowModels.config(activation);
                PretrainedModel model = NarrowModels.model(config, 7, false);
                model.save(hf, Format.HF);
                Path openClip = dir.resolve(activation + "-" + type + "-open_clip");
                model.save(openClip, Format.OPEN_CLIP);
                if (type != TensorType.F32) { // rounding is per element, so both files hold the same values
                    rewriteAs(hf.resolve(HuggingFaceFormat.WEIGHTS_FILE), type);
                    rewriteAs(openClip.resolve(OpenClipFormat.WEIGHTS_FILE), type);
                }
                float[] pixels = NarrowModels.pixels(BATCH, 16, 3);
                long[][] ids = NarrowModels.ids(BATCH, 4);
                HfClipReference reference = new HfClipReference(hf);
                double[][] expectedImages = reference.images(pixels, BATCH);
                double[][] expectedTexts = reference.texts(ids);
                for (Path checkpoint : List.of(hf, openClip)) {
                    Path encoders = dir.resolve(checkpoint.getFileName() + "-onnx");
                    PretrainedModel.load(checkpoint).exportEncoders(encoders, Model.CLIP_TOKENIZER);
                    double image = worst(run(encoders.resolve(InferenceExport.IMAGE_ENCODER), "pixels",
                            OnnxTensor.createTensor(env(), FloatBuffer.wrap(pixels), new long[] {BATCH, 3, 16, 16})),
                            expectedImages);
                    double text = worst(run(encoders.resolve(InferenceExport.TEXT_ENCODER), "input_ids",
                            OnnxTensor.createTensor(env(), ids)), expectedTexts);
                    try (Model loaded = Model.load(encoders)) { // the SDK's own loader on the same files
                        image = Math.max(image, worst(loaded.imageEncoder().encode(FloatBuffer.wrap(pixels), BATCH),
                                expectedImages));
                    }
                    String layout = checkpoint == hf ? "hf" : "open_clip";
                    report.add(String.format("%s %s %s: worst |diff| image %.2e, text %.2e", layout, activation, type,
                            image, text));
                    assertTrue(image < 1e-5 && text < 1e-5, report.get(report.size() - 1));
                }
            }
        }
        report.forEach(System.out::println);
    }

    private static OrtEnvironment env() {
        return OrtRuntime.environment();
    }

    private static float[][] run(Path encoder, String input, OnnxTensor tensor) throws Exception {
        try (OrtSession session = env().createSession(encoder.toString(), new OrtSession.SessionOptions());
                tensor;
                OrtSession.Result r = session.run(Map.of(input, tensor))) {
            return (float[][]) r.get(0).getValue();
        }
    }

    private static double worst(float[][] actual, double[][] expected) {
        double worst = 0;
        for (int b = 0; b < expected.length; b++) {
            for (int i = 0; i < expected[b].length; i++) {
                worst = Math.max(worst, Math.abs(actual[b][i] - expected[b][i]));
            }
        }
        return worst;
    }

    /** Rewrites every tensor of {@code file} as {@code type}. */
    static void rewriteAs(Path file, TensorType type) {
        SafeTensors in = SafeTensors.read(file);
        List<Tensor> tensors = new ArrayList<>();
        in.entries().values().forEach(e -> tensors.add(new Tensor(e.name(), type, e.shape(), in.floats(e.name()))));
        SafeTensors.write(file, tensors, in.metadata());
    }
}
