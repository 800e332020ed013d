package ai.superclip.artifacts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.superclip.artifacts.OrtCheckpoint.OptimizerState;
import ai.superclip.artifacts.OrtCheckpoint.PropertyBag;
import com.google.flatbuffers.FlatBufferBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrtCheckpointTest {

    @TempDir
    Path dir;

    private static NamedArray array(String name, long[] shape, float... values) {
        return new NamedArray(name, shape, values);
    }

    private static OrtCheckpoint withoutOptimizer() {
        return new OrtCheckpoint(
                List.of(array("w", new long[] {2, 3}, 1, 2, 3, 4, 5, 6), array("b", new long[] {3}, 0.5f, -0.5f, 0)),
                List.of(),
                null,
                PropertyBag.empty());
    }

    /** Values chosen to catch any non-bit-exact conversion. */
    private static OrtCheckpoint full() {
        float[] odd = {
            -0.0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7fc00001), 1e-40f
        };
        List<NamedArray> trainable = List.of(
                array("w", new long[] {2, 3}, odd),
                array("scale", new long[] {}, 3.25f),
                array("empty", new long[] {0, 4}));
        List<NamedArray> frozen = List.of(array("embedding", new long[] {2, 2}, 9, 8, 7, 6));
        OptimizerState optimizer = new OptimizerState("group0", 42, 1e-3f, Map.of(
                "w", List.of(array("momentum1", new long[] {2, 3}, 1, 1, 1, 1, 1, 1),
                        array("momentum0", new long[] {2, 3}, odd)),
                "scale", List.of(array("momentum0", new long[] {}, 0.1f), array("momentum1", new long[] {}, 0.2f)),
                "empty", List.of(array("momentum0", new long[] {0, 4}), array("momentum1", new long[] {0, 4}))));
        PropertyBag properties = new PropertyBag(
                Map.of("epoch", 7L, "min", Long.MIN_VALUE, "max", Long.MAX_VALUE),
                Map.of("best_loss", 0.125f, "nan", Float.NaN),
                Map.of("model", "superclip-ü-\uD83D\uDE00", "empty", ""));
        return new OrtCheckpoint(trainable, frozen, optimizer, properties);
    }

    private static void assertBitExact(OrtCheckpoint expected, OrtCheckpoint actual) {
        assertEquals(expected, actual);
        List<NamedArray[]> pairs = new ArrayList<>();
        for (int i = 0; i < expected.trainable().size(); i++) {
            pairs.add(new NamedArray[] {expected.trainable().get(i), actual.trainable().get(i)});
        }
        for (int i = 0; i < expected.frozen().size(); i++) {
            pairs.add(new NamedArray[] {expected.frozen().get(i), actual.frozen().get(i)});
        }
        if (expected.optimizer() != null) {
            expected.optimizer().momentsByParameter().forEach((param, moments) -> {
                for (int i = 0; i < moments.size(); i++) {
                    pairs.add(new NamedArray[] {moments.get(i),
                        actual.optimizer().momentsByParameter().get(param).get(i)});
                }
            });
        }
        for (NamedArray[] pair : pairs) {
            float[] e = pair[0].values();
            float[] a = pair[1].values();
            assertEquals(e.length, a.length, pair[0].name());
            for (int i = 0; i < e.length; i++) {
                assertEquals(Float.floatToRawIntBits(e[i]), Float.floatToRawIntBits(a[i]), pair[0].name() + "[" + i + "]");
            }
        }
    }

    @Test
    void roundTripsWithoutOptimizerState() {
        OrtCheckpoint checkpoint = withoutOptimizer();
        OrtCheckpoint read = OrtCheckpoint.read(checkpoint.toBytes());
        assertBitExact(checkpoint, read);
        assertNull(read.optimizer());
        assertTrue(read.frozen().isEmpty());
        assertEquals(PropertyBag.empty(), read.properties());
    }

    @Test
    void roundTripsOptimizerStatePropertiesScalarsAndSpecialFloatsThroughAFile() {
        OrtCheckpoint checkpoint = full();
        Path file = dir.resolve("checkpoint");
        checkpoint.write(file);
        OrtCheckpoint read = OrtCheckpoint.read(file);
        assertBitExact(checkpoint, read);
        assertArrayEquals(new long[0], read.trainable().get(1).shape());
        assertEquals(42, read.optimizer().step());
        assertEquals(1e-3f, read.optimizer().initialLearningRate());
        assertEquals("group0", read.optimizer().groupName());
        assertEquals(Long.MIN_VALUE, read.properties().ints().get("min"));
        assertTrue(Float.isNaN(read.properties().floats().get("nan")));
        assertEquals("superclip-ü-\uD83D\uDE00", read.properties().strings().get("model"));
        assertArrayEquals(checkpoint.toBytes(), readBytes(file));
    }

    @Test
    void findsTheFirstNonFiniteParameterStreamingPastTheChunkSize() {
        // 300,000 floats span two 1 MiB read chunks; the NaN sits in the second one
        float[] big = new float[300_000];
        Arrays.fill(big, 0.25f);
        Path file = dir.resolve("checkpoint");
        List<NamedArray> trainable = List.of(array("a", new long[] {3}, 1, 2, 3), new NamedArray("z", new long[] {
            big.length}, big));
        new OrtCheckpoint(trainable, List.of(), null, PropertyBag.empty()).write(file);
        assertNull(OrtCheckpoint.firstNonFiniteParameter(file));

        float[] poisoned = big.clone();
        poisoned[299_999] = Float.NaN;
        new OrtCheckpoint(List.of(trainable.get(0), new NamedArray("z", new long[] {big.length}, poisoned)), List.of(),
                null, PropertyBag.empty()).write(file);
        assertEquals("z", OrtCheckpoint.firstNonFiniteParameter(file));

        // frozen parameters count; optimizer moments (full() has an infinity in w's momentum0 too) do not
        assertEquals("w", OrtCheckpoint.firstNonFiniteParameter(checkpointFile(full())));
        OrtCheckpoint infiniteFrozen = new OrtCheckpoint(withoutOptimizer().trainable(),
                List.of(array("embedding", new long[] {2}, 1, Float.POSITIVE_INFINITY)), null, PropertyBag.empty());
        assertEquals("embedding", OrtCheckpoint.firstNonFiniteParameter(checkpointFile(infiniteFrozen)));
    }

    @Test
    void theFiniteScanRejectsCorruptFilesNamingThem() throws Exception {
        Path file = dir.resolve("checkpoint");
        byte[] bytes = full().toBytes();
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
        ArtifactException e = assertThrows(ArtifactException.class, () -> OrtCheckpoint.firstNonFiniteParameter(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        Path missing = dir.resolve("missing");
        e = assertThrows(ArtifactException.class, () -> OrtCheckpoint.firstNonFiniteParameter(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    private Path checkpointFile(OrtCheckpoint checkpoint) {
        Path file = dir.resolve("c" + System.nanoTime());
        checkpoint.write(file);
        return file;
    }

    @Test
    void writeReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws Exception {
        Path file = dir.resolve("checkpoint");
        full().write(file);
        withoutOptimizer().write(file);
        assertEquals(withoutOptimizer(), OrtCheckpoint.read(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void roundTripsWithTheTensorsInAnExternalDataFileLaidOutAsOnnxRuntimeReadsIt() throws Exception {
        OrtCheckpoint checkpoint = full();
        Path file = dir.resolve("checkpoint");
        checkpoint.write(file, true);
        Path data = dir.resolve("checkpoint.data");
        assertEquals(data, OrtCheckpoint.externalDataFile(file));
        assertEquals(checkpoint.tensorBytes(), Files.size(data));
        assertBitExact(checkpoint, OrtCheckpoint.read(file));

        // the flatbuffer says has_external_data and gives each tensor an offset instead of raw_data; the tensors lie
        // back to back in the order trainable, frozen, moments (each list sorted by name)
        Flat flat = new Flat(readBytes(file));
        int module = flat.table(flat.root(), 1);
        assertEquals(1, flat.bb.get(flat.field(module, 3)), "has_external_data");
        ByteBuffer values = ByteBuffer.wrap(Files.readAllBytes(data)).order(ByteOrder.LITTLE_ENDIAN);
        long expectedOffset = 0;
        for (int tensor : flat.tables(module, 0)) {
            assertEquals(0, flat.field(tensor, 4), "no raw_data");
            long offset = flat.bb.getLong(flat.field(tensor, 6));
            assertEquals(expectedOffset, offset);
            expectedOffset += 4L * elementCount(flat, tensor);
        }
        NamedArray w = checkpoint.trainable().get(2); // after "empty" (no values) and "scale" (one): at byte 4
        assertEquals(Float.floatToRawIntBits(w.values()[4]), values.getInt(4 + 4 * 4), "w[4], a NaN, bit for bit");

        // readParameters leaves out the moments; the finite scan streams parameters from the data file
        assertNull(OrtCheckpoint.readParameters(file).optimizer());
        assertEquals(checkpoint.trainable(), OrtCheckpoint.readParameters(file).trainable());
        assertEquals("w", OrtCheckpoint.firstNonFiniteParameter(file));

        // rewritten inline, the stale data file goes
        withoutOptimizer().write(file);
        assertTrue(Files.notExists(data));
        assertEquals(withoutOptimizer(), OrtCheckpoint.read(file));
    }

    @Test
    void aMissingOrTruncatedExternalDataFileIsNamed() throws Exception {
        Path file = dir.resolve("checkpoint");
        full().write(file, true);
        Path data = OrtCheckpoint.externalDataFile(file);
        byte[] all = Files.readAllBytes(data);
        Files.write(data, Arrays.copyOf(all, all.length - 4));
        ArtifactException truncated = assertThrows(ArtifactException.class, () -> OrtCheckpoint.read(file));
        assertTrue(truncated.getMessage().contains(data.toString()) && truncated.getMessage().contains("truncated"),
                truncated.getMessage());
        Files.delete(data);
        ArtifactException missing = assertThrows(ArtifactException.class,
                () -> OrtCheckpoint.firstNonFiniteParameter(file));
        assertTrue(missing.getMessage().contains(data.toString()) && missing.getMessage().contains("missing"),
                missing.getMessage());
    }

    private static long elementCount(Flat flat, int tensor) {
        int dims = flat.table(tensor, 2);
        long count = 1;
        for (int i = 0; i < flat.bb.getInt(dims); i++) {
            count *= flat.bb.getLong(dims + 4 + 8 * i);
        }
        return count;
    }

    @Test
    void writeIntoAMissingDirectoryFailsNamingTheFile() {
        Path file = dir.resolve("missing/checkpoint");
        ArtifactException e = assertThrows(ArtifactException.class, () -> full().write(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void fileIdentifierAndVersionSitWhereFlatbuffersPutsThem() {
        byte[] bytes = full().toBytes();
        assertEquals("ODTC", new String(bytes, 4, 4, StandardCharsets.US_ASCII));
        Flat flat = new Flat(bytes);
        int root = flat.root();
        int versionPos = flat.field(root, 0);
        assertTrue(versionPos > 0, "version is stored");
        assertEquals(2, flat.bb.getInt(versionPos));
    }

    @Test
    void writesTensorsOptimizerStatesAndPropertiesSortedByUtf8Name() {
        // Java's String order puts U+1F600 (a surrogate pair) before U+FF21; UTF-8 byte order, like ORT's, does not.
        List<String> names = List.of("z", "\uD83D\uDE00", "a", "\uFF21", "B", "b");
        List<NamedArray> trainable = new ArrayList<>();
        Map<String, List<NamedArray>> moments = new HashMap<>();
        for (String name : names) {
            trainable.add(array(name, new long[] {1}, 1));
            moments.put(name, List.of(array("momentum1", new long[] {1}, 2), array("momentum0", new long[] {1}, 3)));
        }
        PropertyBag properties = new PropertyBag(Map.of("y", 1L, "x", 2L), Map.of("q", 1f, "p", 2f), Map.of());
        OrtCheckpoint checkpoint = new OrtCheckpoint(trainable, List.of(array("f2", new long[] {}, 1),
                array("f1", new long[] {}, 2)), new OptimizerState("group0", 1, 0.1f, moments), properties);
        List<String> utf8Order = List.of("B", "a", "b", "z", "\uFF21", "\uD83D\uDE00");

        Flat flat = new Flat(checkpoint.toBytes());
        int root = flat.root();
        int module = flat.table(root, 1);
        assertEquals(utf8Order, flat.names(flat.tables(module, 0), 0));
        assertEquals(List.of("f1", "f2"), flat.names(flat.tables(module, 1), 0));
        int group = flat.tables(root, 2).get(0);
        List<Integer> states = flat.tables(group, 3);
        assertEquals(utf8Order, flat.names(states, 0));
        for (int state : states) {
            assertEquals(List.of("momentum0", "momentum1"), flat.names(flat.tables(state, 1), 0));
        }
        int bag = flat.table(root, 3);
        assertEquals(List.of("x", "y"), flat.names(flat.tables(bag, 0), 0));
        assertEquals(List.of("p", "q"), flat.names(flat.tables(bag, 1), 0));
        assertEquals(utf8Order, OrtCheckpoint.read(checkpoint.toBytes()).trainable().stream()
                .map(NamedArray::name).toList());
    }

    @Test
    void rejectsAWrongFileIdentifierNamingTheFile() throws Exception {
        byte[] bytes = full().toBytes();
        bytes[4] = 'O';
        bytes[5] = 'R';
        bytes[6] = 'T';
        bytes[7] = 'M';
        Path file = dir.resolve("model.ort");
        Files.write(file, bytes);
        ArtifactException e = assertThrows(ArtifactException.class, () -> OrtCheckpoint.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("'ORTM'") && e.getMessage().contains("'ODTC'"), e.getMessage());
    }

    @Test
    void rejectsAnotherVersion() {
        byte[] bytes = full().toBytes();
        Flat flat = new Flat(bytes);
        flat.bb.putInt(flat.field(flat.root(), 0), 3);
        ArtifactException e = assertThrows(ArtifactException.class, () -> OrtCheckpoint.read(bytes));
        assertTrue(e.getMessage().contains("version 3"), e.getMessage());
    }

    @Test
    void rejectsNonFloatTensorsNamingThem() {
        byte[] bytes = full().toBytes();
        Flat flat = new Flat(bytes);
        int module = flat.table(flat.root(), 1);
        int embedding = flat.tables(module, 1).get(0);
        flat.bb.putInt(flat.field(embedding, 3), 7);
        ArtifactException e = assertThrows(ArtifactException.class, () -> OrtCheckpoint.read(bytes));
        assertTrue(e.getMessage().contains("'embedding'") && e.getMessage().contains("INT64"), e.getMessage());
    }

    @Test
    void rejectsTooShortAndTruncatedFilesNamingTheFile() throws Exception {
        byte[] bytes = full().toBytes();
        for (int length : new int[] {0, 3, 8, bytes.length / 2, bytes.length - 8}) {
            Path file = dir.resolve("truncated-" + length);
            Files.write(file, Arrays.copyOf(bytes, length));
            ArtifactException e = assertThrows(ArtifactException.class, () -> OrtCheckpoint.read(file));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        }
    }

    @Test
    void rejectsAMissingFileNamingIt() {
        Path file = dir.resolve("absent");
        ArtifactException e = assertThrows(ArtifactException.class, () -> OrtCheckpoint.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void everyTruncationFailsCleanlyOrOnlyLostPadding() {
        byte[] bytes = full().toBytes();
        OrtCheckpoint expected = OrtCheckpoint.read(bytes);
        for (int length = 0; length < bytes.length; length++) {
            byte[] prefix = Arrays.copyOf(bytes, length);
            readOnlyArtifactExceptions(prefix).ifPresent(read -> assertEquals(expected, read));
        }
    }

    @Test
    void randomBytesAndRandomCorruptionsOnlyEverGiveArtifactException() {
        Random random = new Random(20261129);
        byte[] valid = full().toBytes();
        for (int i = 0; i < 1000; i++) {
            byte[] garbage = new byte[random.nextInt(600)];
            random.nextBytes(garbage);
            if (i % 2 == 0 && garbage.length >= 8) {
                System.arraycopy("ODTC".getBytes(StandardCharsets.US_ASCII), 0, garbage, 4, 4);
            }
            readOnlyArtifactExceptions(garbage);
        }
        for (int i = 0; i < 3000; i++) {
            byte[] corrupted = valid.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                corrupted[random.nextInt(corrupted.length)] = (byte) random.nextInt(256);
            }
            readOnlyArtifactExceptions(corrupted);
        }
    }

    private static Optional<OrtCheckpoint> readOnlyArtifactExceptions(byte[] bytes) {
        try {
            return Optional.of(OrtCheckpoint.read(bytes));
        } catch (ArtifactException expected) {
            assertTrue(expected.getMessage().startsWith("ORT checkpoint (in memory)"), expected.getMessage());
            return Optional.empty();
        } catch (RuntimeException | Error e) {
            fail("raw " + e + " for input " + Arrays.toString(bytes), e);
            return Optional.empty();
        }
    }

    @Test
    void rejectsNominalCheckpointsAndMissingParameterVectors() {
        ArtifactException nominal = assertThrows(ArtifactException.class,
                () -> OrtCheckpoint.read(handBuilt(true, true)));
        assertTrue(nominal.getMessage().contains("nominal"), nominal.getMessage());
        ArtifactException noFrozen = assertThrows(ArtifactException.class,
                () -> OrtCheckpoint.read(handBuilt(false, false)));
        assertTrue(noFrozen.getMessage().contains("frozen parameter list is missing"), noFrozen.getMessage());
        assertEquals(List.of(), OrtCheckpoint.read(handBuilt(false, true)).frozen());
    }

    /** A checkpoint with one empty trainable vector, built field by field as ORT's schema lays it out. */
    private static byte[] handBuilt(boolean nominal, boolean withFrozen) {
        FlatBufferBuilder b = new FlatBufferBuilder(64);
        int trainable = b.createVectorOfTables(new int[0]);
        int frozen = withFrozen ? b.createVectorOfTables(new int[0]) : 0;
        b.startTable(4);
        b.addOffset(0, trainable, 0);
        b.addOffset(1, frozen, 0);
        b.addBoolean(2, nominal, false);
        int module = b.endTable();
        b.startTable(4);
        b.addInt(0, 2, 0);
        b.addOffset(1, module, 0);
        b.finish(b.endTable(), "ODTC");
        return b.sizedByteArray();
    }

    @Test
    void validatesContent() {
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> array("w", new long[] {2, 3}, 1, 2, 3));
        assertTrue(shape.getMessage().contains("'w'") && shape.getMessage().contains("6 elements")
                && shape.getMessage().contains("3 values"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> array("w", new long[] {-1}));
        NamedArray w = array("w", new long[] {1}, 1);
        assertThrows(IllegalArgumentException.class,
                () -> new OrtCheckpoint(List.of(w), List.of(w), null, PropertyBag.empty()));
        assertThrows(IllegalArgumentException.class, () -> new OrtCheckpoint(List.of(w), List.of(), new OptimizerState(
                "group0", 0, 0.1f, Map.of("v", List.of(w))), PropertyBag.empty()));
        assertThrows(IllegalArgumentException.class, () -> new OrtCheckpoint(List.of(w), List.of(), new OptimizerState(
                "group0", 0, 0.1f, Map.of("w", List.of(array("momentum0", new long[] {}, 1)))), PropertyBag.empty()));
        assertThrows(IllegalArgumentException.class,
                () -> new PropertyBag(Map.of("x", 1L), Map.of("x", 1f), Map.of()));
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Minimal flatbuffer navigation, independent of the code under test. */
    private static final class Flat {
        final ByteBuffer bb;

        Flat(byte[] bytes) {
            bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        int root() {
            return bb.getInt(0);
        }

        int field(int table, int slot) {
            int vtable = table - bb.getInt(table);
            int entry = 4 + 2 * slot;
            if (entry >= Short.toUnsignedInt(bb.getShort(vtable))) {
                return 0;
            }
            int offset = Short.toUnsignedInt(bb.getShort(vtable + entry));
            return offset == 0 ? 0 : table + offset;
        }

        int table(int table, int slot) {
            int pos = field(table, slot);
            return pos + bb.getInt(pos);
        }

        List<Integer> tables(int table, int slot) {
            int vector = table(table, slot);
            List<Integer> tables = new ArrayList<>();
            for (int i = 0; i < bb.getInt(vector); i++) {
                int pos = vector + 4 + 4 * i;
                tables.add(pos + bb.getInt(pos));
            }
            return tables;
        }

        List<String> names(List<Integer> tables, int slot) {
            List<String> names = new ArrayList<>();
            for (int table : tables) {
                int string = table(table, slot);
                names.add(new String(bb.array(), string + 4, bb.getInt(string), StandardCharsets.UTF_8));
            }
            return names;
        }
    }
}
