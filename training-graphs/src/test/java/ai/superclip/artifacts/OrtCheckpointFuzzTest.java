package ai.superclip.artifacts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.artifacts.OrtCheckpoint.OptimizerState;
import ai.superclip.artifacts.OrtCheckpoint.PropertyBag;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property-based fuzzing of the checkpoint reader: generated checkpoints round-trip bit-exactly, and mutated or
 * random bytes give a checkpoint or an {@link ArtifactException}, never another exception, never a hang.
 */
class OrtCheckpointFuzzTest {

    private static final byte[] VALID = sample(new SplittableRandom(7)).toBytes();

    /** A checkpoint of 1-4 small tensors, optimizer state and properties drawn from {@code random}. */
    private static OrtCheckpoint sample(SplittableRandom random) {
        List<NamedArray> trainable = new ArrayList<>();
        Map<String, List<NamedArray>> moments = new LinkedHashMap<>();
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
            long[] shape = random.nextBoolean() ? new long[] {1 + random.nextInt(3), 1 + random.nextInt(3)}
                    : new long[] {random.nextInt(4)};
            int size = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            float[] v = new float[size];
            for (int j = 0; j < size; j++) {
                v[j] = random.nextInt(10) == 0 ? Float.intBitsToFloat(random.nextInt()) : (float) random.nextGaussian();
            }
            String name = "p" + i + (random.nextBoolean() ? ".weight" : "\u00e9");
            trainable.add(new NamedArray(name, shape, v));
            moments.put(name, List.of(new NamedArray("momentum0", shape, v.clone()),
                    new NamedArray("momentum1", shape, new float[size])));
        }
        List<NamedArray> frozen = random.nextBoolean() ? List.of() : List.of(new NamedArray("frozen", new long[] {2},
                new float[] {1, 2}));
        OptimizerState optimizer = random.nextBoolean() ? null
                : new OptimizerState("group0", random.nextInt(1000), 1e-3f, moments);
        PropertyBag properties = new PropertyBag(Map.of("step", random.nextLong()), Map.of("lr", random.nextFloat()),
                Map.of("model", "tiny-" + random.nextInt(100)));
        return new OrtCheckpoint(trainable, frozen, optimizer, properties);
    }

    private static void readOnlyArtifactExceptions(byte[] bytes) {
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            try {
                OrtCheckpoint.read(bytes);
            } catch (ArtifactException expected) {
                assertTrue(expected.getMessage().startsWith("ORT checkpoint (in memory)"), expected.getMessage());
            }
        });
    }

    @Property(tries = 500, seed = "4129")
    void generatedCheckpointsRoundTrip(@ForAll long seed) {
        OrtCheckpoint c = sample(new SplittableRandom(seed));
        OrtCheckpoint read = OrtCheckpoint.read(c.toBytes());
        assertEquals(c, read);
        for (int i = 0; i < c.trainable().size(); i++) {
            float[] a = c.trainable().get(i).values();
            float[] b = read.trainable().get(i).values();
            for (int j = 0; j < a.length; j++) {
                assertEquals(Float.floatToRawIntBits(a[j]), Float.floatToRawIntBits(b[j]));
            }
        }
    }

    @Provide
    Arbitrary<byte[]> mutated() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(1, 8)).as((seed, edits) -> {
            SplittableRandom random = new SplittableRandom(seed);
            byte[] bytes = random.nextBoolean() ? VALID.clone() : sample(random).toBytes();
            for (int e = 0; e < edits && bytes.length > 0; e++) {
                int at = random.nextInt(bytes.length);
                switch (random.nextInt(4)) {
                    case 0 -> bytes[at] = (byte) random.nextInt(256);
                    case 1 -> bytes[at] = (byte) (random.nextBoolean() ? 0xFF : 0x7F); // large offsets and lengths
                    case 2 -> bytes[at] = 0;
                    default -> bytes = java.util.Arrays.copyOf(bytes, at);
                }
            }
            return bytes;
        });
    }

    @Property(tries = 2500, seed = "4130")
    void mutatedCheckpointsOnlyEverGiveArtifactException(@ForAll("mutated") byte[] bytes) {
        readOnlyArtifactExceptions(bytes);
    }

    @Property(tries = 1000, seed = "4131")
    void randomBytesWithTheFileIdentifierOnlyEverGiveArtifactException(@ForAll byte[] bytes) {
        if (bytes.length >= 8) {
            System.arraycopy("ODTC".getBytes(StandardCharsets.US_ASCII), 0, bytes, 4, 4);
        }
        readOnlyArtifactExceptions(bytes);
    }
}
