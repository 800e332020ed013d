package ai.superclip.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.interop.SafeTensors.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** safetensors round trips per dtype, byte-level agreement with the format, and one clear error per malformation. */
class SafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void float32RoundTripIsExactAndKeepsOrderShapesAndMetadata() {
        float[] a = random(24, 1);
        float[] scalar = {3.5f};
        Path file = dir.resolve("m.safetensors");
        SafeTensors.write(file, List.of(new Tensor("b.weight", TensorType.F32, new long[] {2, 3, 4}, a),
                new Tensor("a", TensorType.F32, new long[] {}, scalar),
                new Tensor("empty", TensorType.F32, new long[] {0, 5}, new float[0])), Map.of("format", "pt"));
        SafeTensors read = SafeTensors.read(file);
        assertEquals(List.of("b.weight", "a", "empty"), List.copyOf(read.entries().keySet()));
        assertArrayEquals(new long[] {2, 3, 4}, read.entry("b.weight").shape());
        assertArrayEquals(a, read.floats("b.weight"));
        assertArrayEquals(scalar, read.floats("a"));
        assertEquals(0, read.floats("empty").length);
        assertEquals(Map.of("format", "pt"), read.metadata());
    }

    @Test
    void fileBytesFollowTheFormat() throws IOException {
        Path file = dir.resolve("x.safetensors");
        SafeTensors.write(file, List.of(new Tensor("x", TensorType.F32, new long[] {2}, new float[] {1f, -2f})), Map.of());
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long n = bytes.getLong(0);
        assertEquals(0, n % 8, "header padded to 8 bytes");
        String header = new String(Files.readAllBytes(file), 8, (int) n, StandardCharsets.UTF_8).strip();
        assertEquals("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", header);
        assertEquals(8 + n + 8, bytes.capacity());
        assertEquals(1f, bytes.getFloat((int) (8 + n)));
        assertEquals(-2f, bytes.getFloat((int) (8 + n + 4)));
    }

    @Test
    void halfAndBfloat16AreExactForRepresentableValuesAndRoundToNearestEven() {
        // every finite half-precision value survives float -> F16 -> float
        for (int h = 0; h < 0x10000; h++) {
            if ((h & 0x7c00) == 0x7c00) {
                continue;
            }
            float f = TensorType.halfToFloat((short) h);
            assertEquals((short) h, TensorType.floatToHalf(f), "half bits " + Integer.toHexString(h));
        }
        assertEquals(1f + 0x1p-10f, TensorType.halfToFloat(TensorType.floatToHalf(1f + 0x1p-10f + 0x1p-12f)));
        assertEquals(1f, TensorType.halfToFloat(TensorType.floatToHalf(1f + 0x1p-11f)), "tie to even");
        assertEquals(1f + 0x1p-9f, TensorType.halfToFloat(TensorType.floatToHalf(1f + 0x1p-10f + 0x1p-11f)), "tie up");
        assertEquals(Float.POSITIVE_INFINITY, TensorType.halfToFloat(TensorType.floatToHalf(70000f)));
        assertEquals(0x1p-24f, TensorType.halfToFloat(TensorType.floatToHalf(0x1p-24f)), "smallest subnormal");
        assertEquals(1f, Float.intBitsToFloat(TensorType.floatToBfloat16(1f + 0x1p-8f) << 16), "bf16 tie to even");
        assertEquals(1f + 0x1p-7f, Float.intBitsToFloat(TensorType.floatToBfloat16(1f + 0x1p-8f + 0x1p-9f) << 16));
    }

    @Test
    void eachFloatTypeLoadsAsFloat32WithinItsPrecision() {
        float[] values = random(300, 2);
        for (TensorType type : List.of(TensorType.F16, TensorType.BF16, TensorType.F64, TensorType.F32)) {
            Path file = dir.resolve(type + ".safetensors");
            SafeTensors.write(file, List.of(new Tensor("w", type, new long[] {3, 100}, values)), Map.of());
            SafeTensors read = SafeTensors.read(file);
            assertEquals(type, read.entry("w").type());
            assertEquals(300L * type.bytes(), read.entry("w").end() - read.entry("w").begin());
            float[] back = read.floats("w");
            double relative = switch (type) {
                case F16 -> 0x1p-11;
                case BF16 -> 0x1p-8;
                default -> 0;
            };
            for (int i = 0; i < values.length; i++) {
                assertEquals(values[i], back[i], Math.abs(values[i]) * relative, type + " element " + i);
            }
        }
    }

    @Test
    void integerTensorsParseButAreNotWeights() throws IOException {
        Path file = raw("{\"position_ids\":{\"dtype\":\"I64\",\"shape\":[1,2],\"data_offsets\":[0,16]}}", 16);
        SafeTensors read = SafeTensors.read(file);
        assertEquals(TensorType.I64, read.entry("position_ids").type());
        assertMessage(assertThrows(InteropException.class, () -> read.floats("position_ids")), "position_ids", "I64");
        assertMessage(assertThrows(InteropException.class, () -> read.floats("nope")), "nope", "missing");
    }

    @Test
    void malformedFilesFailNamingFileAndTensor() throws IOException {
        String ok = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        expectError(raw("{" + ok + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,20]}}", 16),
                "'b'", "outside the 16 bytes");
        expectError(raw("{" + ok + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 16),
                "'b'", "overlapping those of 'a'");
        expectError(raw("{" + ok + ",\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[8,16]}}", 16),
                "'b'", "12 bytes");
        expectError(raw("{" + ok + ",\"b\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16),
                "'b'", "unknown dtype 'Q4'");
        expectError(raw("{" + ok + "," + ok + "}", 8), "'a'", "twice");
        expectError(raw("{" + ok + ",\"b\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[8,16]}}", 16),
                "'b'", "non-negative");
        expectError(raw("{" + ok + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2]}}", 16), "'b'", "data_offsets");
        expectError(raw("{\"a\":", 0), "m.safetensors", "not valid JSON");
        expectError(raw("[1]", 0), "m.safetensors", "not a JSON object");
        expectError(raw("{\"__metadata__\":{\"k\":1}}", 0), "m.safetensors", "'k'");
    }

    @Test
    void headerLongerThanTheFileOrOverTheCapIsRejected() throws IOException {
        Path truncated = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
        byte[] all = Files.readAllBytes(truncated);
        Files.write(truncated, java.util.Arrays.copyOf(all, 20));
        expectError(truncated, "m.safetensors", "declares a header of");
        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 200_000_000L);
        Files.write(truncated, huge.array());
        expectError(truncated, "m.safetensors", "at most 100000000");
        Files.write(truncated, new byte[3]);
        expectError(truncated, "m.safetensors", "fewer than the 8");
        // a header that lies about the data: the file ends before the last tensor's bytes
        Path cut = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16);
        byte[] cutBytes = Files.readAllBytes(cut);
        Files.write(cut, java.util.Arrays.copyOf(cutBytes, cutBytes.length - 4));
        expectError(cut, "'a'", "outside the 12 bytes");
    }

    private void expectError(Path file, String... parts) {
        InteropException e = assertThrows(InteropException.class, () -> SafeTensors.read(file));
        assertMessage(e, file.getFileName().toString());
        assertMessage(e, parts);
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention " + p);
        }
    }

    /** A file with header {@code json} and {@code dataBytes} zero bytes of data. */
    private Path raw(String json, int dataBytes) throws IOException {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Path file = dir.resolve("m.safetensors");
        Files.write(file, b.array());
        return file;
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * Math.exp(r.nextDouble(-8, 8)));
        }
        return v;
    }
}
