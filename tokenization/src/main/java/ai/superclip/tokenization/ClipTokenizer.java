package ai.superclip.tokenization;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Reference;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Turns captions into the fixed-length id rows the text tower reads, with a Hugging Face
 * {@code tokenizer.json} run natively by DJL (offline).
 *
 * <p>A row is {@code [start] + tokens[:contextLength-2] + [end]}, padded with the pad id to
 * {@code contextLength} (open_clip's rule: the end token always survives truncation).
 * {@link #clip()} gives OpenAI's CLIP BPE tokenizer from the shipped resource; {@link #load}
 * takes any tokenizer.json (WordPiece, SentencePiece, byte-level BPE) with its special tokens.
 *
 * <p>Captions are cleaned as open_clip cleans them before BPE ({@link TextCleaner}: ftfy's simple fixes, HTML
 * unescaping, whitespace). Input is sanitised rather than rejected: lone UTF-16 surrogates become U+FFFD, empty or
 * blank captions give {@code [start, end, pad...]}. Instances are thread-safe; close once, after
 * all use.
 */
public final class ClipTokenizer implements AutoCloseable {

    /** OpenAI CLIP's context length. */
    public static final int DEFAULT_CONTEXT_LENGTH = 77;

    static final String CLIP_RESOURCE = "clip-bpe-tokenizer.json";

    /** We add special tokens, truncate and pad ourselves, so the native side must do none of it. */
    private static final Map<String, String> DJL_OPTIONS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private static final TokenizersLibrary NATIVE = TokenizersLibrary.LIB;

    private final HuggingFaceTokenizer tokenizer;
    private final String source;
    private final int vocabularySize;
    private final int contextLength;
    private final long startId;
    private final long endId;
    private final long padId;

    private ClipTokenizer(HuggingFaceTokenizer tokenizer, String source, int vocabularySize,
            int contextLength, long startId, long endId, long padId) {
        this.tokenizer = tokenizer;
        this.source = source;
        this.vocabularySize = vocabularySize;
        this.contextLength = contextLength;
        this.startId = startId;
        this.endId = endId;
        this.padId = padId;
    }

    /** OpenAI's CLIP BPE tokenizer (49,408 ids) with context length 77. */
    public static ClipTokenizer clip() {
        return clip(DEFAULT_CONTEXT_LENGTH);
    }

    /** OpenAI's CLIP BPE tokenizer with the given context length. */
    public static ClipTokenizer clip(int contextLength) {
        return create(CLIP_RESOURCE, clipTokenizerJson(), SpecialTokens.CLIP, contextLength);
    }

    /** The CLIP tokenizer's Hugging Face {@code tokenizer.json}, as shipped, e.g. to go beside exported weights. */
    public static byte[] clipTokenizerJson() {
        try (InputStream in = ClipTokenizer.class.getResourceAsStream(CLIP_RESOURCE)) {
            if (in == null) {
                throw new TokenizationException("missing class-path resource " + CLIP_RESOURCE);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new TokenizationException("cannot read class-path resource " + CLIP_RESOURCE, e);
        }
    }

    /** Any Hugging Face tokenizer.json, with context length 77. */
    public static ClipTokenizer load(Path file, SpecialTokens specialTokens) {
        return load(file, specialTokens, DEFAULT_CONTEXT_LENGTH);
    }

    /** Any Hugging Face tokenizer.json; its vocabulary size becomes {@link #vocabularySize()}. */
    public static ClipTokenizer load(Path file, SpecialTokens specialTokens, int contextLength) {
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TokenizationException("tokenizer file not found: " + file, e);
        } catch (IOException e) {
            throw new TokenizationException("cannot read tokenizer file " + file + ": " + e, e);
        }
        return create(file.toString(), json, specialTokens, contextLength);
    }

    private static ClipTokenizer create(String source, byte[] json, SpecialTokens special,
            int contextLength) {
        if (contextLength < 2) {
            throw new IllegalArgumentException("context length must be at least 2, got " + contextLength);
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new TokenizationException("malformed tokenizer file " + source + ": " + e.getMessage(), e);
        }
        if (root == null || !root.path("model").isObject()) {
            throw new TokenizationException("tokenizer file " + source + " has no \"model\" object");
        }
        int vocabularySize = vocabularySize(root, source);
        long startId = tokenId(root, special.start(), source);
        long endId = tokenId(root, special.end(), source);
        long padId = tokenId(root, special.pad(), source);
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), DJL_OPTIONS);
        } catch (IOException | RuntimeException e) {
            throw new TokenizationException("cannot create a tokenizer from " + source + ": " + e.getMessage(), e);
        }
        return new ClipTokenizer(tokenizer, source, vocabularySize, contextLength, startId, endId, padId);
    }

    /** Largest id of the model vocabulary and the added tokens, plus one. */
    private static int vocabularySize(JsonNode root, String source) {
        JsonNode vocab = root.path("model").path("vocab");
        long maxId = -1;
        if (vocab.isArray()) { // Unigram: a list of [piece, score], the id is the position
            maxId = vocab.size() - 1;
        } else {
            for (JsonNode id : vocab) {
                maxId = Math.max(maxId, id.asLong());
            }
        }
        for (JsonNode added : root.path("added_tokens")) {
            maxId = Math.max(maxId, added.path("id").asLong());
        }
        if (maxId < 0 || maxId >= Integer.MAX_VALUE) {
            throw new TokenizationException("tokenizer file " + source + " has no usable vocabulary");
        }
        return (int) maxId + 1;
    }

    private static long tokenId(JsonNode root, String token, String source) {
        for (JsonNode added : root.path("added_tokens")) {
            if (token.equals(added.path("content").asText(null))) {
                return added.path("id").asLong();
            }
        }
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject() && vocab.has(token)) {
            return vocab.get(token).asLong();
        }
        for (int i = 0; vocab.isArray() && i < vocab.size(); i++) {
            if (token.equals(vocab.get(i).path(0).asText(null))) {
                return i;
            }
        }
        throw new TokenizationException("special token '" + token + "' is not in the vocabulary of " + source);
    }

    /** Token ids of {@code text}, without special tokens, truncation or padding. */
    public long[] tokenIds(String text) {
        return tokenIdsOfBatch(Collections.singletonList(text))[0];
    }

    /** One row of {@link #contextLength()} ids for {@code text}. */
    public long[] encode(String text) {
        return encodeBatch(Collections.singletonList(text));
    }

    /** Rows for all captions, flattened row-major: a new {@code long[B * contextLength]}. */
    public long[] encodeBatch(List<String> captions) {
        long[] rows = new long[captions.size() * contextLength];
        encodeBatch(captions, LongBuffer.wrap(rows));
        return rows;
    }

    /**
     * Writes the rows for all captions into {@code out} at its position (row-major
     * {@code [B, contextLength]}) and advances the position by {@code B * contextLength}.
     */
    public void encodeBatch(List<String> captions, LongBuffer out) {
        long needed = (long) captions.size() * contextLength;
        if (out.remaining() < needed) {
            throw new IllegalArgumentException("output buffer has " + out.remaining()
                    + " longs left, the batch needs " + needed);
        }
        for (long[] tokens : tokenIdsOfBatch(captions)) {
            int kept = Math.min(tokens.length, contextLength - 2);
            out.put(startId).put(tokens, 0, kept).put(endId);
            for (int i = kept + 2; i < contextLength; i++) {
                out.put(padId);
            }
        }
    }

    /**
     * Text of an id sequence. A leading start id is dropped, everything from the first end id on
     * (the padding included) is ignored, and the result is stripped of surrounding whitespace
     * (CLIP's decoder turns each {@code </w>} into a space).
     */
    public String decode(long[] ids) {
        int from = ids.length > 0 && ids[0] == startId ? 1 : 0;
        int to = from;
        while (to < ids.length && ids[to] != endId) {
            to++;
        }
        try {
            return tokenizer.decode(Arrays.copyOfRange(ids, from, to), true).strip();
        } catch (RuntimeException e) {
            throw new TokenizationException("tokenizer " + source + " cannot decode ids: " + e.getMessage(), e);
        }
    }

    /** Token ids of each caption (no special tokens), from one native batch call. */
    private long[][] tokenIdsOfBatch(List<String> captions) {
        String[] texts = new String[captions.size()];
        for (int i = 0; i < texts.length; i++) {
            String caption = captions.get(i);
            if (caption == null) {
                throw new TokenizationException("caption at batch index " + i + " is null");
            }
            texts[i] = TextCleaner.clean(replaceLoneSurrogates(caption));
        }
        // The Encoding objects of DJL's public API copy tokens, offsets and masks per token; the
        // native handles give just the ids. The tokenizer must stay reachable during native calls:
        // its finalizer frees the native tokenizer.
        long[] encodings = null;
        try {
            encodings = NATIVE.batchEncode(tokenizer.getHandle(), texts, false);
            long[][] ids = new long[texts.length][];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = NATIVE.getTokenIds(encodings[i]);
            }
            return ids;
        } catch (RuntimeException e) {
            throw new TokenizationException("tokenizer " + source + " failed on a batch of "
                    + texts.length + " captions: " + e.getMessage(), e);
        } finally {
            if (encodings != null) {
                for (long encoding : encodings) {
                    NATIVE.deleteEncoding(encoding);
                }
            }
            Reference.reachabilityFence(tokenizer);
        }
    }

    /** Java strings may hold unpaired surrogates, which are not text; U+FFFD stands in for each. */
    static String replaceLoneSurrogates(String text) {
        if (text.codePoints().noneMatch(ClipTokenizer::isSurrogate)) {
            return text;
        }
        StringBuilder fixed = new StringBuilder(text.length());
        text.codePoints().forEach(c -> fixed.appendCodePoint(isSurrogate(c) ? 0xFFFD : c));
        return fixed.toString();
    }

    private static boolean isSurrogate(int codePoint) {
        return codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE;
    }

    /** Number of ids, the width of a classifier over tokens: every id is in [0, vocabularySize). */
    public int vocabularySize() {
        return vocabularySize;
    }

    public int contextLength() {
        return contextLength;
    }

    public long startId() {
        return startId;
    }

    public long endId() {
        return endId;
    }

    public long padId() {
        return padId;
    }

    /** Where the tokenizer.json came from: a file path or the CLIP resource name. */
    public String source() {
        return source;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
