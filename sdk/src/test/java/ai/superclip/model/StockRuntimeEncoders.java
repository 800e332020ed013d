package ai.superclip.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs the exported encoders on the stock, inference-only ONNX Runtime in a JVM of its own (started by
 * {@link InferenceExportTest} with only the official jar and the test classes on the class path, no native
 * path set). Arguments: the fixture directory, the batch size. Reads {@code pixels.bin} (float32) and
 * {@code input_ids.bin} (int64), little-endian, and writes {@code image_embeds.stock.bin} and
 * {@code text_embeds.stock.bin}. Uses nothing but the JDK and {@code ai.onnxruntime}.
 */
public final class StockRuntimeEncoders {
    private StockRuntimeEncoders() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long batch = Long.parseLong(args[1]);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        if (env.isTrainingEnabled()) {
            throw new IllegalStateException("expected the stock inference-only runtime");
        }
        ByteBuffer pixels = read(dir.resolve("pixels.bin"));
        ByteBuffer ids = read(dir.resolve("input_ids.bin"));
        long pixelsPerImage = pixels.capacity() / 4 / batch;
        long side = Math.round(Math.sqrt(pixelsPerImage / 3.0));
        try (OnnxTensor image = OnnxTensor.createTensor(env, pixels.asFloatBuffer(), new long[] {batch, 3, side, side});
                OnnxTensor text = OnnxTensor.createTensor(env, ids.asLongBuffer(), new long[] {batch, ids.capacity() / 8 / batch})) {
            run(env, dir.resolve("image_encoder.onnx"), "pixels", image, dir.resolve("image_embeds.stock.bin"));
            run(env, dir.resolve("text_encoder.onnx"), "input_ids", text, dir.resolve("text_embeds.stock.bin"));
        }
        System.out.println("stock runtime " + env.getVersion() + ": encoders ran");
    }

    private static void run(OrtEnvironment env, Path model, String input, OnnxTensor tensor, Path out) throws Exception {
        try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions());
                OrtSession.Result r = s.run(Map.of(input, tensor))) {
            FloatBuffer embeds = ((OnnxTensor) r.get(0)).getFloatBuffer();
            ByteBuffer bytes = ByteBuffer.allocate(embeds.remaining() * 4).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(embeds);
            Files.write(out, bytes.array());
        }
    }

    private static ByteBuffer read(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        return ByteBuffer.allocateDirect(b.length).order(ByteOrder.LITTLE_ENDIAN).put(b).flip();
    }
}
