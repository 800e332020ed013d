package ai.superclip.data;

import java.nio.charset.StandardCharsets;

/** Stable 64-bit hashing for seeds and split assignment; identical on every JVM and run. */
final class Hashing {

    private Hashing() {
    }

    /** Mixes several values into one well-spread seed (SplitMix64 finaliser applied in a chain). */
    static long mix(long... values) {
        long h = 0x9E3779B97F4A7C15L;
        for (long v : values) {
            h = finalise(h ^ finalise(v + 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    /** FNV-1a over the UTF-8 bytes of {@code text}, then finalised. */
    static long of(String text) {
        long h = 0xCBF29CE484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001B3L;
        }
        return finalise(h);
    }

    private static long finalise(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
