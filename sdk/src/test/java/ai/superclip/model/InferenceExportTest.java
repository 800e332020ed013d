package ai.superclip.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.superclip.artifacts.OrtCheckpoint;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.graph.ModelSpec;
import ai.superclip.inference.Model;
import ai.superclip.graph.Value;
import ai.superclip.runtime.LocalFiles;
import ai.superclip.runtime.OrtRuntime;
import ai.superclip.runtime.StepOutputs;
import ai.superclip.runtime.TrainingSession;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported encoders, run by the stock inference-only ONNX Runtime in a separate JVM, give the embeddings
 * the eval graph computes from the same checkpoint. The test also leaves a fixture in {@value #NODE_FIXTURE}
 * (encoders, inputs, expected embeddings) for {@code training-graphs/src/test/node/compare_embeddings.mjs}.
 */
class InferenceExportTest {
    static final String NODE_FIXTURE = "target/node-fixture";
    private static final int BATCH = 3;
    private static final ModelConfig TINY = Presets.get("tiny");

    @TempDir
    Path dir;

    private final OrtEnvironment env = OrtRuntime.environment();

    @Test
    void stockRuntimeEncodersMatchTheEvalGraph() throws Exception {
        TestBatch batch = TestBatch.random(TINY, BATCH, 21);
        Path checkpoint = dir.resolve("trained");
        float evalLoss = trainBriefly(batch, checkpoint);
        Map<String, float[]> weights = new HashMap<>();
        OrtCheckpoint c = OrtCheckpoint.read(checkpoint);
        Stream.concat(c.trainable().stream(), c.frozen().stream()).forEach(t -> weights.put(t.name(), t.values()));

        Map<String, float[]> reference = evalGraph(weights, batch);
        assertEquals(evalLoss, reference.get(TrainingArtifacts.LOSS)[0], 1e-5 * Math.abs(evalLoss),
                "the graph below is the eval model");

        Path fixture = Path.of(NODE_FIXTURE);
        LocalFiles.deleteTree(fixture);
        InferenceExport.write(fixture, TINY, checkpoint, "clip-bpe-49408");
        writeFixture(fixture, batch, reference);
        runStockRuntime(fixture);
        for (String output : List.of(SuperClipModel.IMAGE_EMBEDS, SuperClipModel.TEXT_EMBEDS)) {
            float[] expected = reference.get(output);
            float[] stock = readFloats(fixture.resolve(output + ".stock.bin"));
            assertEquals(expected.length, stock.length, output);
            double worst = 0;
            for (int i = 0; i < expected.length; i++) {
                worst = Math.max(worst, Math.abs(expected[i] - stock[i]));
            }
            System.out.printf("%s: stock runtime vs eval graph, max |diff| %.1e%n", output, worst);
            assertTrue(worst < 1e-5, output + " differs by " + worst);
        }
        // With every initializer in ONNX external data (as encoders past 2 GB are written): the stock runtime loads
        // them from <encoder>.onnx.data and gives the same embeddings, bit for bit.
        Path external = dir.resolve("external");
        InferenceExport.write(external, TINY, weights, "clip-bpe-49408", InferenceExport.IMAGE_MEAN,
                InferenceExport.IMAGE_STD, 0);
        for (String encoder : List.of(InferenceExport.IMAGE_ENCODER, InferenceExport.TEXT_ENCODER)) {
            assertTrue(Files.size(external.resolve(encoder + ".data")) > Files.size(external.resolve(encoder)), encoder);
        }
        for (String input : List.of("pixels.bin", "input_ids.bin")) {
            Files.copy(fixture.resolve(input), external.resolve(input));
        }
        runStockRuntime(external);
        for (String output : List.of(SuperClipModel.IMAGE_EMBEDS, SuperClipModel.TEXT_EMBEDS)) {
            assertArrayEquals(Files.readAllBytes(fixture.resolve(output + ".stock.bin")),
                    Files.readAllBytes(external.resolve(output + ".stock.bin")), output);
        }
        // The same files through the SDK's inference API, which trims each caption batch to its longest caption:
        // the text encoder takes any length.
        try (OrtSession text = env.createSession(fixture.resolve(InferenceExport.TEXT_ENCODER).toString(),
                new OrtSession.SessionOptions())) {
            long[] shape = ((TensorInfo) text.getInputInfo().get(SuperClipModel.INPUT_IDS).getInfo()).getShape();
            assertArrayEquals(new long[] {-1, -1}, shape, "batch and caption length are dynamic");
        }
        var dims = Int8Quantization.read(fixture.resolve(InferenceExport.TEXT_ENCODER)).getGraph().getInput(0).getType()
                .getTensorType().getShape().getDimList();
        assertEquals(List.of("batch", SuperClipModel.CAPTION_LENGTH), dims.stream().map(d -> d.getDimParam()).toList(),
                "two independent symbolic dimensions");
        try (Model model = Model.load(fixture)) {
            float[][] images = model.imageEncoder().encode(FloatBuffer.wrap(batch.pixels()), BATCH);
            assertClose(reference.get(SuperClipModel.IMAGE_EMBEDS), images, "ImageEncoder");
            float[][] texts = textEmbeddings(model, batch);
            assertClose(reference.get(SuperClipModel.TEXT_EMBEDS), texts, "TextEncoder");
        }
    }

    /** The captions' token ids go through the encoder's session as they are (the test batch has no text). */
    private static float[][] textEmbeddings(Model model, TestBatch batch) throws Exception {
        return model.textEncoder().encodeIds(java.nio.LongBuffer.wrap(batch.ids()), BATCH);
    }

    private static void assertClose(float[] expected, float[][] actual, String what) {
        double worst = 0;
        int width = actual[0].length;
        for (int r = 0; r < actual.length; r++) {
            for (int i = 0; i < width; i++) {
                worst = Math.max(worst, Math.abs(expected[r * width + i] - actual[r][i]));
            }
        }
        System.out.printf("%s vs eval graph, max |diff| %.1e%n", what, worst);
        assertTrue(worst < 1e-5, what + " differs by " + worst);
    }

    /** Writes artifacts, takes two optimizer steps, saves the weights; returns the eval model's loss on the batch. */
    private float trainBriefly(TestBatch batch, Path checkpoint) throws Exception {
        Path artifacts = dir.resolve("artifacts");
        SuperClipModel.writeTrainingArtifacts(artifacts, TINY, List.of(), Map.of(), 3);
        Map<String, OnnxTensor> data = batch.tensors(env);
        Map<String, OnnxTensor> train = new HashMap<>(data);
        train.put(TrainingArtifacts.GRADIENT_SCALE_INPUT, OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {1}), new long[] {1}));
        train.put(TrainingArtifacts.WEIGHT_DECAY_INPUT, OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {1e-4f}), new long[] {1}));
        try (TrainingSession s = TrainingSession.open(artifacts, TrainingSession.Options.DEFAULT)) {
            s.setLearningRate(1e-3f);
            for (int i = 0; i < 2; i++) {
                s.trainStep(train).close();
                s.optimizerStep();
                s.lazyResetGrad();
            }
            s.saveCheckpoint(checkpoint, false);
            try (StepOutputs out = s.evalStep(data)) {
                return out.getFloat(TrainingArtifacts.LOSS);
            }
        } finally {
            train.values().forEach(OnnxTensor::close);
        }
    }

    /** The eval graph (loss and both embeddings) run with {@code weights} in a plain session. */
    private Map<String, float[]> evalGraph(Map<String, float[]> weights, TestBatch batch) throws Exception {
        SuperClipModel.Training model = SuperClipModel.training(TINY);
        Map<String, Value> outputs = new LinkedHashMap<>();
        outputs.put(TrainingArtifacts.LOSS, model.loss());
        outputs.put(SuperClipModel.IMAGE_EMBEDS, model.imageEmbeds());
        outputs.put(SuperClipModel.TEXT_EMBEDS, model.textEmbeds());
        ModelSpec spec = new ModelSpec("eval", model.inputs(), outputs, weights, Map.of());
        Map<String, OnnxTensor> feeds = batch.tensors(env);
        Map<String, float[]> results = new HashMap<>();
        try (OrtSession s = env.createSession(spec.toProto().toByteArray(), new OrtSession.SessionOptions());
                OrtSession.Result r = s.run(feeds)) {
            for (String name : outputs.keySet()) {
                FloatBuffer fb = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
                float[] v = new float[fb.remaining()];
                fb.get(v);
                results.put(name, v);
            }
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
        return results;
    }

    /** Inputs and expected embeddings as little-endian files, and their shapes in {@code fixture.json}. */
    private static void writeFixture(Path fixture, TestBatch batch, Map<String, float[]> reference) throws Exception {
        ByteBuffer pixels = ByteBuffer.allocate(batch.pixels().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        pixels.asFloatBuffer().put(batch.pixels());
        Files.write(fixture.resolve("pixels.bin"), pixels.array());
        ByteBuffer ids = ByteBuffer.allocate(batch.ids().length * 8).order(ByteOrder.LITTLE_ENDIAN);
        ids.asLongBuffer().put(batch.ids());
        Files.write(fixture.resolve("input_ids.bin"), ids.array());
        for (String output : List.of(SuperClipModel.IMAGE_EMBEDS, SuperClipModel.TEXT_EMBEDS)) {
            float[] v = reference.get(output);
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            Files.write(fixture.resolve(output + ".bin"), b.array());
        }
        String json = String.format("{\"batch\": %d, \"image_size\": %d, \"context_length\": %d, \"embed_dim\": %d}%n",
                batch.size(), TINY.vision().imageSize(), TINY.text().contextLength(), TINY.embedDim());
        Files.writeString(fixture.resolve("fixture.json"), json, StandardCharsets.UTF_8);
    }

    /** {@link StockRuntimeEncoders} in a new JVM: the official jar's own native library, no training build. */
    private static void runStockRuntime(Path fixture) throws Exception {
        String officialJar = Path.of(OrtEnvironment.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String testClasses = Path.of(StockRuntimeEncoders.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", officialJar + File.pathSeparator + testClasses,
                StockRuntimeEncoders.class.getName(), fixture.toString(), Integer.toString(BATCH))
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the stock-runtime process did not finish");
        System.out.print(log);
        assertEquals(0, p.exitValue(), "stock-runtime process failed:\n" + log);
    }

    private static float[] readFloats(Path file) throws Exception {
        FloatBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        return v;
    }

}
