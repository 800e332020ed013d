package ai.superclip.tokenization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClipTokenizerJsonGeneratorTest {

    private static final String VOCAB_JS =
            "let obj = { \"text\": \"bpe_simple_vocab_16e6.txt#version: 0.2\\ni n\\nt h\\nth e</w>\\na \\\\\\n\" };\n"
            + "export default obj;\n";

    @Test
    void laysOutTheVocabularyLikeOpenAi() throws IOException {
        JsonNode model = new ObjectMapper().readTree(ClipTokenizerJsonGenerator.generate(VOCAB_JS, 3)).get("model");
        JsonNode vocab = model.get("vocab");
        assertEquals(256 + 256 + 3 + 2, vocab.size());
        assertEquals(0, vocab.get("!").asInt());
        assertEquals(93, vocab.get("~").asInt());
        assertEquals(188, vocab.get("Ā").asInt()); // byte 0, the first non-printable byte
        assertEquals(256, vocab.get("!</w>").asInt());
        assertEquals(512, vocab.get("in").asInt());
        assertEquals(514, vocab.get("the</w>").asInt());
        assertEquals(515, vocab.get("<|startoftext|>").asInt());
        assertEquals(516, vocab.get("<|endoftext|>").asInt());
        assertEquals(List.of("i n", "t h", "th e</w>"), new ObjectMapper().convertValue(model.get("merges"), List.class));
    }

    @Test
    void refusesAShortMergesFile() {
        assertThrows(TokenizationException.class, () -> ClipTokenizerJsonGenerator.generate(VOCAB_JS, 10));
    }
}
