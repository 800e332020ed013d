package ai.superclip.tokenization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.LongBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenTargetsTest {

    @Test
    void sparseRowsAreSortedDistinctIdsIncludingSpecialTokensByDefault() {
        TokenTargets targets = new TokenTargets(10, 6);
        long[] rows = {8, 3, 5, 3, 9, 0, /* */ 8, 9, 0, 0, 0, 0};
        assertArrayEquals(new int[][] {{0, 3, 5, 8, 9}, {0, 8, 9}}, targets.sparse(rows));
        LongBuffer buffer = LongBuffer.allocate(20).put(new long[8]).put(rows).flip().position(8);
        assertArrayEquals(new int[][] {{0, 3, 5, 8, 9}, {0, 8, 9}}, targets.sparse(buffer));
        assertEquals(8, buffer.position());
    }

    @Test
    void canLeaveSpecialTokensOut() {
        try (ClipTokenizer clip = ClipTokenizer.clip()) {
            long[] rows = clip.encodeBatch(List.of("a photo of a cat", ""));
            assertArrayEquals(new int[][] {{0, 320, 539, 1125, 2368, 49406, 49407}, {0, 49406, 49407}},
                    TokenTargets.of(clip, true).sparse(rows));
            assertArrayEquals(new int[][] {{320, 539, 1125, 2368}, {}}, TokenTargets.of(clip, false).sparse(rows));
        }
    }

    @Test
    void rejectsIdsOutsideTheVocabularyNamingTheRow() {
        TokenTargets targets = new TokenTargets(4, 2);
        TokenizationException e = assertThrows(TokenizationException.class,
                () -> targets.sparse(new long[] {0, 1, 2, 4}));
        assertEquals("id 4 at batch index 1 is outside the vocabulary [0, 4)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> targets.sparse(new long[3]));
    }
}
