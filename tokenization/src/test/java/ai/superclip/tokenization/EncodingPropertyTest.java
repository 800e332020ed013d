package ai.superclip.tokenization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Encoding never throws and only produces vocabulary ids, whatever the string. */
class EncodingPropertyTest {

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
    Arbitrary<String> anyText() {
        Arbitrary<String> anyChars = Arbitraries.strings().all().ofMaxLength(300); // lone surrogates too
        Arbitrary<String> surrogates = Arbitraries.strings().withCharRange('\uD800', '\uDFFF')
                .withChars(" a\u0000").ofMaxLength(20);
        Arbitrary<String> codePoints = Arbitraries.integers().between(0, Character.MAX_CODE_POINT)
                .filter(c -> c < Character.MIN_SURROGATE || c > Character.MAX_SURROGATE)
                .list().ofMaxSize(100)
                .map(list -> list.stream().collect(StringBuilder::new, StringBuilder::appendCodePoint,
                        StringBuilder::append).toString());
        return Arbitraries.oneOf(anyChars, surrogates, codePoints);
    }

    @Property(tries = 2000, seed = "20240601")
    void rowsHoldOnlyVocabularyIds(@ForAll("anyText") String text) {
        long[] row = clip.encode(text);
        assertEquals(clip.contextLength(), row.length);
        assertEquals(clip.startId(), row[0]);
        assertInVocabulary(row);
        assertInVocabulary(clip.tokenIds(text));
    }

    private static void assertInVocabulary(long[] ids) {
        for (long id : ids) {
            assertTrue(id >= 0 && id < clip.vocabularySize(), () -> "id " + id + " out of range");
        }
    }
}
