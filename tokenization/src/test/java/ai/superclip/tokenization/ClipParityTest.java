package ai.superclip.tokenization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The shipped tokenizer, generated from the npm vocabulary, against the published Hugging Face
 * file for openai/clip-vit-base-patch32.
 */
class ClipParityTest {

    private static final Path REFERENCE = ReferenceFiles.file("clip-vit-base-patch32/tokenizer.json");

    @Test
    void shipsTheSameVocabularyAndMergesAsTheReference() throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode reference = mapper.readTree(REFERENCE.toFile()).get("model");
        JsonNode shipped;
        try (InputStream in = ClipTokenizer.class.getResourceAsStream(ClipTokenizer.CLIP_RESOURCE)) {
            shipped = mapper.readTree(in).get("model");
        }
        assertEquals(49_408, shipped.get("vocab").size());
        assertEquals(reference.get("vocab"), shipped.get("vocab"));
        assertEquals(reference.get("merges"), shipped.get("merges"));
    }

    @Test
    void givesTheReferenceIdsOnAVariedUnicodeCorpus() {
        List<String> corpus = corpus(new Random(20_240_601), 2_400);
        try (ClipTokenizer shipped = ClipTokenizer.clip();
                ClipTokenizer reference = ClipTokenizer.load(REFERENCE, SpecialTokens.CLIP)) {
            assertEquals(reference.vocabularySize(), shipped.vocabularySize());
            int nonAscii = 0;
            for (String text : corpus) {
                long[] expected = reference.tokenIds(text);
                assertArrayEquals(expected, shipped.tokenIds(text), () -> "text: " + escape(text));
                nonAscii += text.chars().anyMatch(c -> c > 127) ? 1 : 0;
            }
            assertTrue(nonAscii > 1_000, "non-ASCII strings: " + nonAscii);
            assertArrayEquals(reference.encodeBatch(corpus), shipped.encodeBatch(corpus));
        }
    }

    private static final String[] WORDS = {
        "a", "photo", "of", "the", "cat", "dog's", "they'll", "we've", "I'M", "DON'T", "New York",
        "über", "naïve", "café", "résumé", "jalapeño", "Ångström", "straße", "ΣΊΣΥΦΟΣ", "привет", "東京",
        "北京大学", "ラーメン", "한국어", "مرحبا بالعالم", "שלום עולם", "नमस्ते", "ไทย", "e\u0301", "n\u0303",
        "👨‍👩‍👧‍👦", "🏳️‍🌈", "👍🏽", "🇫🇷", "❤️", "🧑🏿‍🚀", "1234567890", "3.14159", "$100", "#hashtag",
        "@user", "http://example.com/a?b=c", "<|endoftext|>", "<|startoftext|>", "<|EndOfText|>",
        "C++", "--", "...", "!!!", "(parenthesis)", "\"quoted\"", "x²", "½", "ﬁ", "Ⅻ", "①", "٣", "𝔘𝔫𝔦",
    };

    private static final String[] SPACES = {" ", " ", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003",
        "\u3000", "\u200b", "\u000b", "\f", "\u0085", "\u2028", ""};

    /** Caption-like strings mixing the word list, random code points and every kind of spacing. */
    static List<String> corpus(Random random, int size) {
        List<String> corpus = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            StringBuilder text = new StringBuilder();
            int pieces = i % 100 == 0 ? 300 : 1 + random.nextInt(12); // some very long captions
            for (int p = 0; p < pieces; p++) {
                appendPiece(random, text);
                text.append(SPACES[random.nextInt(SPACES.length)]);
            }
            corpus.add(random.nextInt(4) == 0 ? text.toString().toUpperCase() : text.toString());
        }
        return corpus;
    }

    private static void appendPiece(Random random, StringBuilder text) {
        switch (random.nextInt(10)) {
            case 0 -> appendRandom(random, text, 0x20, 0x7f, 1 + random.nextInt(8)); // ASCII symbols
            case 1 -> appendRandom(random, text, 0x00, 0x20, 1 + random.nextInt(3)); // controls
            case 2 -> appendRandom(random, text, 0x4e00, 0x9fff, 1 + random.nextInt(6)); // CJK
            case 3 -> appendRandom(random, text, 0x0600, 0x06ff, 1 + random.nextInt(6)); // Arabic
            case 4 -> appendRandom(random, text, 0x0300, 0x036f, 1 + random.nextInt(4)); // combining marks
            case 5 -> appendRandom(random, text, 0x1f300, 0x1faff, 1 + random.nextInt(3)); // emoji
            case 6 -> appendRandom(random, text, 0x80, 0x2fff, 1 + random.nextInt(5)); // assorted scripts
            case 7 -> appendRandom(random, text, 'a', 'z' + 1, 40 + random.nextInt(400)); // very long word
            default -> text.append(WORDS[random.nextInt(WORDS.length)]);
        }
    }

    private static void appendRandom(Random random, StringBuilder text, int from, int to, int count) {
        for (int i = 0; i < count; i++) {
            text.appendCodePoint(from + random.nextInt(to - from));
        }
    }

    private static String escape(String text) {
        StringBuilder escaped = new StringBuilder();
        text.codePoints().limit(200).forEach(c -> escaped.append(c < 0x20 || c > 0x7e
                ? String.format("\\u{%x}", c) : Character.toString(c)));
        return escaped.toString();
    }
}
