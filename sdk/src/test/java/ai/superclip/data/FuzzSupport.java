package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/** Shared pieces of the fuzz properties: the only-DataException check and byte mutation. */
final class FuzzSupport {

    private FuzzSupport() {
    }

    /**
     * Opens a dataset and reads every record; passes when this ends normally or with a
     * {@link DataException}, fails on any other exception or after 10 s (a hang).
     */
    static void openAndReadAll(Supplier<ImageTextDataset> open) {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            ImageTextDataset dataset;
            try {
                dataset = open.get();
            } catch (DataException expected) {
                return;
            }
            for (int i = 0; i < dataset.size(); i++) {
                try {
                    dataset.read(i);
                } catch (DataException expected) {
                    // a bad record is fine as long as it is reported this way
                }
            }
        });
    }

    /** Overwrites, inserts, deletes bytes or truncates, 1–8 times, driven by {@code seed}. */
    static byte[] mutate(byte[] original, long seed, byte[] interesting) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = original.clone();
        int edits = 1 + random.nextInt(8);
        for (int e = 0; e < edits && bytes.length > 0; e++) {
            int at = random.nextInt(bytes.length);
            byte value = random.nextBoolean() ? interesting[random.nextInt(interesting.length)] : (byte) random.nextInt(256);
            switch (random.nextInt(4)) {
                case 0 -> bytes[at] = value;
                case 1 -> {
                    byte[] longer = new byte[bytes.length + 1];
                    System.arraycopy(bytes, 0, longer, 0, at);
                    longer[at] = value;
                    System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
                    bytes = longer;
                }
                case 2 -> {
                    byte[] shorter = new byte[bytes.length - 1];
                    System.arraycopy(bytes, 0, shorter, 0, at);
                    System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                    bytes = shorter;
                }
                default -> bytes = Arrays.copyOf(bytes, at);
            }
        }
        return bytes;
    }

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
