package ai.superclip.tokenization;

import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * Multi-hot token targets: which vocabulary ids occur in each encoded caption row (a repeated
 * token counts once).
 *
 * <p>Each caption gives one sorted {@code int[]} of its distinct ids ({@link IdfStatistics} weighs
 * them into the graph's sparse targets). By default every id of the row counts, padding and start/end included, as in the reference code (the IDF weighs those to 0);
 * {@link #of(ClipTokenizer, boolean)} can leave them out.
 */
public final class TokenTargets {

    private final int vocabularySize;
    private final int contextLength;
    private final long[] excludedIds;

    /** Targets over ids in [0, vocabularySize) from rows of contextLength ids, minus excludedIds. */
    public TokenTargets(int vocabularySize, int contextLength, long... excludedIds) {
        if (vocabularySize < 1 || contextLength < 1) {
            throw new IllegalArgumentException("vocabulary size and context length must be positive, got "
                    + vocabularySize + " and " + contextLength);
        }
        this.vocabularySize = vocabularySize;
        this.contextLength = contextLength;
        this.excludedIds = excludedIds.clone();
    }

    /** Targets for the tokenizer's rows; special tokens (start, end, pad) count if asked. */
    public static TokenTargets of(ClipTokenizer tokenizer, boolean includeSpecialTokens) {
        long[] excluded = includeSpecialTokens
                ? new long[0]
                : new long[] {tokenizer.startId(), tokenizer.endId(), tokenizer.padId()};
        return new TokenTargets(tokenizer.vocabularySize(), tokenizer.contextLength(), excluded);
    }

    public int vocabularySize() {
        return vocabularySize;
    }

    /**
     * The sorted distinct ids of each row of {@code rows} (row-major {@code [B, contextLength]},
     * as written by {@link ClipTokenizer#encodeBatch}).
     */
    public int[][] sparse(long[] rows) {
        return sparse(LongBuffer.wrap(rows));
    }

    /** As {@link #sparse(long[])}, for the ids remaining in {@code rows}; its position is kept. */
    public int[][] sparse(LongBuffer rows) {
        if (rows.remaining() % contextLength != 0) {
            throw new IllegalArgumentException(rows.remaining() + " ids are not whole rows of " + contextLength);
        }
        int[][] targets = new int[rows.remaining() / contextLength][];
        int[] row = new int[contextLength];
        for (int r = 0; r < targets.length; r++) {
            int count = 0;
            for (int i = 0; i < contextLength; i++) {
                long id = rows.get(rows.position() + r * contextLength + i);
                checkId(id, r, vocabularySize);
                if (!isExcluded(id)) {
                    row[count++] = (int) id;
                }
            }
            Arrays.sort(row, 0, count);
            int distinct = 0;
            for (int i = 0; i < count; i++) {
                if (distinct == 0 || row[i] != row[distinct - 1]) {
                    row[distinct++] = row[i];
                }
            }
            targets[r] = Arrays.copyOf(row, distinct);
        }
        return targets;
    }

    private boolean isExcluded(long id) {
        for (long excluded : excludedIds) {
            if (id == excluded) {
                return true;
            }
        }
        return false;
    }

    static void checkId(long id, int row, int vocabularySize) {
        if (id < 0 || id >= vocabularySize) {
            throw new TokenizationException("id " + id + " at batch index " + row
                    + " is outside the vocabulary [0, " + vocabularySize + ")");
        }
    }
}
