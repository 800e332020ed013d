package ai.superclip.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingSessionTest {
    private static final List<String> EXPECTED = List.of("images", "tokens", "targets");

    @Test
    void inputsAreOrderedAsTheModelDeclaresThem() throws OrtException {
        Map<String, Integer> given = Map.of("targets", 3, "images", 1, "tokens", 2);
        Map<String, Integer> ordered = TrainingSession.inOrder(EXPECTED, given, "training model's inputs");
        assertEquals(EXPECTED, List.copyOf(ordered.keySet()));
        assertEquals(List.of(1, 2, 3), List.copyOf(ordered.values()));
    }

    @Test
    void missingAndUnknownInputsAreNamed() {
        Map<String, Integer> given = Map.of("images", 1, "token_ids", 2, "targets", 3);
        OrtException e =
                assertThrows(OrtException.class, () -> TrainingSession.inOrder(EXPECTED, given, "eval model's inputs"));
        String message = e.getMessage();
        assertEquals(OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT, e.getCode());
        assertTrue(message.contains("The eval model's inputs are [images, tokens, targets]"), message);
        assertTrue(message.contains("missing [tokens]"), message);
        assertTrue(message.contains("unknown [token_ids]"), message);
    }

    @Test
    void missingArtifactsAreReportedByPath(@TempDir Path empty) {
        OrtException e =
                assertThrows(
                        OrtException.class, () -> TrainingSession.open(empty, TrainingSession.Options.DEFAULT));
        assertEquals(OrtException.OrtErrorCode.ORT_NO_SUCHFILE, e.getCode());
        assertTrue(e.getMessage().contains(empty.resolve(TrainingSession.CHECKPOINT).toString()));
    }
}
