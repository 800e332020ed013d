package ai.superclip.tokenization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipTokenizerTest {

    private static final long SOT = 49406;
    private static final long EOT = 49407;

    private static ClipTokenizer clip;

    @BeforeAll
    static void load() {
        clip = ClipTokenizer.clip();
    }

    @AfterAll
    static void close() {
        clip.close();
    }

    @Test
    void describesTheClipVocabulary() {
        assertEquals(49_408, clip.vocabularySize());
        assertEquals(77, clip.contextLength());
        assertEquals(SOT, clip.startId());
        assertEquals(EOT, clip.endId());
        assertEquals(0, clip.padId());
    }

    @Test
    void encodesTheReferenceVectors() throws IOException {
        JsonNode vectors = new ObjectMapper()
                .readTree(ReferenceFiles.file("clip_tokenizer_vectors.json").toFile()).get("vectors");
        assertTrue(vectors.size() >= 24, "vectors: " + vectors.size());
        List<String> texts = new ArrayList<>();
        for (JsonNode vector : vectors) {
            String text = vector.get("text").asText();
            texts.add(text);
            assertArrayEquals(longs(vector.get("ids")), clip.tokenIds(text), text);
            assertArrayEquals(longs(vector.get("clip77")), clip.encode(text), text);
        }
        long[] batch = clip.encodeBatch(texts);
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(longs(vectors.get(i).get("clip77")),
                    Arrays.copyOfRange(batch, i * 77, (i + 1) * 77), texts.get(i));
        }
    }

    private static long[] longs(JsonNode array) {
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asLong();
        }
        return values;
    }

    @Test
    void truncatesSoThatTheEndTokenStaysLast() {
        String text = "cat ".repeat(200);
        long[] tokens = clip.tokenIds(text);
        assertEquals(200, tokens.length);
        long[] row = clip.encode(text);
        assertEquals(77, row.length);
        assertEquals(SOT, row[0]);
        assertArrayEquals(Arrays.copyOf(tokens, 75), Arrays.copyOfRange(row, 1, 76));
        assertEquals(EOT, row[76]);

        long[] exactlyFull = clip.encode("cat ".repeat(75));
        assertEquals(EOT, exactlyFull[76]);
        assertEquals(tokens[0], exactlyFull[75]);
    }

    @Test
    void honoursAConfiguredContextLength() {
        try (ClipTokenizer short8 = ClipTokenizer.clip(8)) {
            assertArrayEquals(new long[] {SOT, 320, 1125, 539, 320, 2368, EOT, 0}, short8.encode("a photo of a cat"));
            assertArrayEquals(new long[] {SOT, 320, 1125, 539, 320, 2368, 320, EOT},
                    short8.encode("a photo of a cat a photo"));
        }
        assertThrows(IllegalArgumentException.class, () -> ClipTokenizer.clip(1));
    }

    @Test
    void encodesEmptyAndBlankCaptionsAsStartEnd() {
        for (String blank : List.of("", " ", "\t\n  \u3000\r\n")) {
            long[] row = clip.encode(blank);
            assertEquals(SOT, row[0]);
            assertEquals(EOT, row[1]);
            assertTrue(Arrays.stream(row, 2, 77).allMatch(id -> id == 0));
        }
    }

    @Test
    void writesBatchesIntoACallerBufferAtItsPosition() {
        LongBuffer out = LongBuffer.allocate(3 + 2 * 77);
        out.position(3);
        clip.encodeBatch(List.of("a photo of a cat", ""), out);
        assertEquals(3 + 2 * 77, out.position());
        assertArrayEquals(clip.encode("a photo of a cat"), Arrays.copyOfRange(out.array(), 3, 80));
        assertArrayEquals(clip.encode(""), Arrays.copyOfRange(out.array(), 80, 157));
        assertThrows(IllegalArgumentException.class,
                () -> clip.encodeBatch(List.of("a", "b"), LongBuffer.allocate(100)));
    }

    @Test
    void namesTheBatchIndexOfANullCaption() {
        List<String> captions = Arrays.asList("a cat", "a dog", null);
        TokenizationException e = assertThrows(TokenizationException.class, () -> clip.encodeBatch(captions));
        assertTrue(e.getMessage().contains("batch index 2"), e.getMessage());
    }

    @Test
    void replacesLoneSurrogatesByTheReplacementCharacter() {
        long[] replacement = clip.tokenIds("x\uFFFDy");
        assertArrayEquals(replacement, clip.tokenIds("x\uD800y"));
        assertArrayEquals(replacement, clip.tokenIds("x\uDC00y"));
        assertArrayEquals(clip.tokenIds("\uFFFD"), clip.tokenIds("\uDBFF"));
        assertArrayEquals(clip.tokenIds("\uD83D\uDE00"), clip.tokenIds("😀"), "a valid pair is kept");
        assertEquals("x\uFFFDy\uFFFD", ClipTokenizer.replaceLoneSurrogates("x\uDFFFy\uD800"));
    }

    @Test
    void handlesControlCharactersAndNul() {
        long[] ids = clip.tokenIds("a\u0000b\u0007c\u009f");
        // as ftfy: control characters removed, a C1 control read as Windows-1252 (0x9F: Y with diaeresis)
        assertArrayEquals(clip.tokenIds("abc\u0178"), ids);
        assertTrue(Arrays.stream(ids).allMatch(id -> id >= 0 && id < 49_408));
    }

    @Test
    void encodesAOneMegabyteCaptionQuickly() {
        StringBuilder text = new StringBuilder();
        Random random = new Random(7);
        while (text.length() < 1 << 20) {
            text.append("word").append(random.nextInt(1000)).append(random.nextBoolean() ? ' ' : '-');
        }
        long[] row = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> clip.encode(text.toString()));
        assertEquals(77, row.length);
        assertEquals(SOT, row[0]);
        assertEquals(EOT, row[76]);
        assertArrayEquals(Arrays.copyOf(clip.tokenIds(text.substring(0, 2000)), 75),
                Arrays.copyOfRange(row, 1, 76));
    }

    @Test
    void decodesRowsBackToText() {
        assertEquals("a photo of a cat", clip.decode(clip.encode("A photo of a  cat")));
        assertEquals("a photo of a dog .", clip.decode(clip.encode("A photo of a dog.")));
        assertEquals("café 東京 😀", clip.decode(clip.encode("Café 東京 😀")));
        assertEquals("", clip.decode(clip.encode("")));
    }

    @Test
    void rejectsMissingFilesNamingThem(@TempDir Path dir) {
        Path missing = dir.resolve("nope/tokenizer.json");
        TokenizationException e = assertThrows(TokenizationException.class,
                () -> ClipTokenizer.load(missing, SpecialTokens.CLIP));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void rejectsMalformedFilesNamingThem(@TempDir Path dir) throws IOException {
        String clipJson = new String(ClipTokenizer.class.getResourceAsStream(ClipTokenizer.CLIP_RESOURCE)
                .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        List<String> broken = List.of(
                "",
                clipJson.substring(0, clipJson.length() / 2),
                "[1, 2, 3]",
                "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}}",
                "{\"model\": {\"type\": \"NoSuchModel\", \"vocab\": {\"a\": 0}}}");
        for (int i = 0; i < broken.size(); i++) {
            Path file = Files.writeString(dir.resolve("broken" + i + ".json"), broken.get(i));
            TokenizationException e = assertThrows(TokenizationException.class,
                    () -> ClipTokenizer.load(file, new SpecialTokens("a", "a", "a")), "case " + i);
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        }
    }

    @Test
    void rejectsUnknownSpecialTokens() {
        Path reference = ReferenceFiles.file("clip-vit-base-patch32/tokenizer.json");
        TokenizationException e = assertThrows(TokenizationException.class,
                () -> ClipTokenizer.load(reference, new SpecialTokens("<s>", "<|endoftext|>", "!")));
        assertTrue(e.getMessage().contains("'<s>'") && e.getMessage().contains(reference.toString()),
                e.getMessage());
    }
}
