package ai.superclip.tokenization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small hand-written tokenizer.json files of the other model families. */
class CustomTokenizerTest {

    @TempDir
    Path dir;

    private static String addedToken(int id, String content) {
        return """
            {"id": %d, "content": "%s", "single_word": false, "lstrip": false, "rstrip": false,
             "normalized": false, "special": true}""".formatted(id, content);
    }

    private Path write(String json) throws IOException {
        return Files.writeString(dir.resolve("tokenizer.json"), json);
    }

    @Test
    void wordPiece() throws IOException {
        Path file = write("""
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [%s, %s, %s, %s],
             "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                            "strip_accents": null, "lowercase": true},
             "pre_tokenizer": {"type": "BertPreTokenizer"},
             "post_processor": null,
             "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                       "max_input_chars_per_word": 100,
                       "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "a": 4, "photo": 5,
                                 "of": 6, "cat": 7, "dog": 8, "##s": 9, ".": 10}}}
            """.formatted(addedToken(0, "[PAD]"), addedToken(1, "[UNK]"), addedToken(2, "[CLS]"),
                addedToken(3, "[SEP]")));
        try (ClipTokenizer tokenizer = ClipTokenizer.load(file, new SpecialTokens("[CLS]", "[SEP]", "[PAD]"), 10)) {
            assertEquals(11, tokenizer.vocabularySize());
            assertArrayEquals(new long[] {2, 4, 5, 6, 7, 9, 10, 1, 3, 0}, tokenizer.encode("A photo of cats. Zebra"));
            assertArrayEquals(new long[] {2, 4, 5, 6, 8, 8, 8, 8, 8, 3}, tokenizer.encode("a photo of dog dog dog dog dog dog"));
            assertEquals("a photo of cats.", tokenizer.decode(tokenizer.encode("A photo of cats.")));
        }
    }

    @Test
    void sentencePieceBpe() throws IOException {
        Path file = write("""
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [%s, %s, %s, %s],
             "normalizer": null,
             "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
             "post_processor": null,
             "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
             "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": null,
                       "end_of_word_suffix": null, "fuse_unk": true, "byte_fallback": false,
                       "vocab": {"<pad>": 0, "<unk>": 1, "<s>": 2, "</s>": 3, "▁": 4, "c": 5, "a": 6, "t": 7,
                                 "▁c": 8, "at": 9, "▁cat": 10, "s": 11},
                       "merges": ["▁ c", "a t", "▁c at"]}}
            """.formatted(addedToken(0, "<pad>"), addedToken(1, "<unk>"), addedToken(2, "<s>"),
                addedToken(3, "</s>")));
        try (ClipTokenizer tokenizer = ClipTokenizer.load(file, new SpecialTokens("<s>", "</s>", "<pad>"), 8)) {
            assertEquals(12, tokenizer.vocabularySize());
            assertArrayEquals(new long[] {10, 11, 10, 4, 1}, tokenizer.tokenIds("cats cat x"));
            assertArrayEquals(new long[] {2, 10, 11, 10, 4, 1, 3, 0}, tokenizer.encode("cats cat x"));
            assertEquals("cats cat", tokenizer.decode(tokenizer.encode("cats cat")));
        }
    }

    @Test
    void byteLevelBpe() throws IOException {
        Path file = write("""
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [%s, %s],
             "normalizer": null,
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
             "post_processor": null,
             "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
             "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                       "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
                       "vocab": {"<|endoftext|>": 0, "h": 1, "i": 2, "Ġ": 3, "hi": 4, "Ġhi": 5, "!": 6,
                                 "Ã": 7, "©": 8, "Ã©": 9, "<|pad|>": 10},
                       "merges": ["h i", "Ġ hi", "Ã ©"]}}
            """.formatted(addedToken(0, "<|endoftext|>"), addedToken(10, "<|pad|>")));
        try (ClipTokenizer tokenizer = ClipTokenizer.load(file, new SpecialTokens("<|endoftext|>", "<|endoftext|>", "<|pad|>"), 8)) {
            assertEquals(11, tokenizer.vocabularySize());
            assertArrayEquals(new long[] {4, 5, 6, 3, 9}, tokenizer.tokenIds("hi hi! é"));
            assertArrayEquals(new long[] {0, 4, 5, 6, 3, 9, 0, 10}, tokenizer.encode("hi hi! é"));
        }
    }

    @Test
    void unigramVocabularyIsAList() throws IOException {
        Path file = write("""
            {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
             "normalizer": null,
             "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
             "post_processor": null, "decoder": null,
             "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": false,
                       "vocab": [["<unk>", 0.0], ["<s>", 0.0], ["</s>", 0.0], ["▁cat", -1.0], ["▁", -2.0],
                                 ["c", -3.0], ["a", -3.0], ["t", -3.0], ["s", -3.0]]}}
            """);
        try (ClipTokenizer tokenizer = ClipTokenizer.load(file, new SpecialTokens("<s>", "</s>", "<unk>"), 6)) {
            assertEquals(9, tokenizer.vocabularySize());
            assertArrayEquals(new long[] {1, 3, 8, 3, 2, 0}, tokenizer.encode("cats cat"));
        }
    }
}
