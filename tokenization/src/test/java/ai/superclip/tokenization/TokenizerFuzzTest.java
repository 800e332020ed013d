package ai.superclip.tokenization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzing of the tokenizer beyond {@link EncodingPropertyTest}: batches of hostile captions (enormous, control
 * characters, lone surrogates, caption-like token soup) always encode to full rows of vocabulary ids, and
 * decoding any id sequence gives text or a {@link TokenizationException}, nothing else; nothing hangs.
 */
class TokenizerFuzzTest {

    private static ClipTokenizer clip;

    @BeforeContainer
    static void load() {
        clip = ClipTokenizer.clip();
    }

    @AfterContainer
    static void close() {
        clip.close();
    }

    @Provide
    Arbitrary<String> caption() {
        Arbitrary<String> words = Arbitraries.of("a", "red", "circle", "the", "photo", "of", "'s", "don't", "ünïcödé",
                "\u4e2d\u6587", "\uD83D\uDE00", "\uD83D", "\uDE00", "\u0000", "\t", "\r\n", "  ", "<|startoftext|>",
                "<|endoftext|>", "</w>", "!!!", "123456789", "https://x.y/z?q=1", "\u200b", "\u0301", "\uFEFF")
                .list().ofMaxSize(60).map(l -> String.join(" ", l));
        // The data sources cut captions to 10,000 chars (Captions.MAX_CHARS); go a little past that.
        Arbitrary<String> enormous = Arbitraries.integers().between(5_000, 20_000)
                .map(n -> "a red square ".repeat(n / 13));
        Arbitrary<String> anyChars = Arbitraries.strings().all().ofMaxLength(500);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(12, words), net.jqwik.api.Tuple.of(7, anyChars), net.jqwik.api.Tuple.of(1, enormous));
    }

    @Property(tries = 1200, seed = "20251129")
    void batchesOfHostileCaptionsEncodeToFullRows(@ForAll("captionBatch") List<String> captions) {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            int context = clip.contextLength();
            LongBuffer out = ByteBuffer.allocateDirect(captions.size() * context * Long.BYTES)
                    .order(ByteOrder.nativeOrder()).asLongBuffer();
            clip.encodeBatch(captions, out);
            assertEquals(captions.size() * context, out.position());
            for (int i = 0; i < captions.size(); i++) {
                assertEquals(clip.startId(), out.get(i * context));
                boolean ended = false;
                for (int j = 1; j < context; j++) {
                    long id = out.get(i * context + j);
                    assertTrue(id >= 0 && id < clip.vocabularySize(), () -> "id " + id + " out of range");
                    ended |= id == clip.endId();
                }
                assertTrue(ended, "every row keeps its end token");
            }
        });
    }

    @Provide
    Arbitrary<List<String>> captionBatch() {
        return caption().list().ofMinSize(1).ofMaxSize(8);
    }

    @Property(tries = 1500, seed = "20251130")
    void decodingAnyIdsGivesTextOrTheDocumentedError(@ForAll("ids") long[] ids) {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try {
                String text = clip.decode(ids);
                assertTrue(text != null);
            } catch (TokenizationException expected) {
                // out-of-vocabulary ids are reported this way
            }
        });
    }

    @Provide
    Arbitrary<long[]> ids() {
        Arbitrary<Long> inVocabulary = Arbitraries.longs().between(0, TextConfigLimits.CLIP_VOCAB - 1);
        Arbitrary<Long> any = Arbitraries.longs();
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, inVocabulary), net.jqwik.api.Tuple.of(1, any))
                .list().ofMaxSize(100).map(l -> l.stream().mapToLong(Long::longValue).toArray());
    }

    /** The CLIP vocabulary's size, without depending on the model module. */
    private static final class TextConfigLimits {
        static final long CLIP_VOCAB = 49_408;
    }
}
