package ai.superclip.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.nn.Activation;
import org.junit.jupiter.api.Test;

/** The model config's one JSON form: round trips, and strict reading that names the offending field. */
class ConfigJsonTest {

    @Test
    void everyPresetAndLossRoundTrips() {
        for (String name : Presets.NAMES) {
            for (ModelConfig.Loss loss : ModelConfig.Loss.values()) {
                ModelConfig config = Presets.get(name).withLoss(loss);
                assertEquals(config, ModelConfig.fromJson(config.toJson(), config.adamW()), name + " " + loss);
            }
        }
    }

    @Test
    void writesSnakeCaseFieldsAndLowerCaseNames() {
        String json = Presets.get("tiny").toJson();
        assertTrue(json.startsWith("{\"embed_dim\":"), json);
        for (String field : new String[] {"\"image_size\":", "\"patch_size\":", "\"mlp_ratio\":", "\"vocab_size\":",
                "\"context_length\":", "\"loss\":\"superclip\"", "\"lambda\":1.0"}) {
            assertTrue(json.contains(field), field + " in " + json);
        }
        assertTrue(json.contains("\"activation\":\"" + Activation.GELU.name().toLowerCase() + "\""), json);
    }

    @Test
    void anUnknownFieldIsAnErrorNamingIt() {
        String json = Presets.get("tiny").toJson().replace("\"patch_size\":", "\"patch_sise\":1,\"patch_size\":");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromJson(json, Presets.REFERENCE_ADAMW));
        assertTrue(e.getMessage().contains("patch_sise"), e.getMessage());
    }

    @Test
    void aMissingFieldIsAnErrorNamingIt() {
        String json = Presets.get("tiny").toJson().replaceFirst("\"context_length\":\\d+,", "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromJson(json, Presets.REFERENCE_ADAMW));
        assertTrue(e.getMessage().contains("context_length"), e.getMessage());
    }

    @Test
    void anInvalidValueIsAnErrorNamingTheTower() {
        String json = Presets.get("tiny").toJson().replaceFirst("\"heads\":\\d+", "\"heads\":7");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromJson(json, Presets.REFERENCE_ADAMW));
        assertTrue(e.getMessage().contains("tower"), e.getMessage());
        IllegalArgumentException loss = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromJson(Presets.get("tiny").toJson().replace("superclip", "siglip"),
                        Presets.REFERENCE_ADAMW));
        assertTrue(loss.getMessage().contains("siglip"), loss.getMessage());
    }
}
