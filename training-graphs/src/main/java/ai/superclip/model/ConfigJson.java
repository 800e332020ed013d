package ai.superclip.model;

import ai.superclip.artifacts.AdamW;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.EnumFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON form of a model's architecture and loss, written into checkpoints' {@code state.json} and the
 * exported encoders' metadata and read back from both: the config records' components in snake case, enums in
 * lower case ({@code {"embed_dim": 512, "vision": {"image_size": 224, ...}, "text": {...}, "loss": "superclip",
 * "lambda": 1.0}}). The optimizer is not part of it. Reading is strict: an unknown or missing field is an error
 * that names it.
 */
final class ConfigJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(EnumFeature.WRITE_ENUMS_TO_LOWERCASE)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    /** What the JSON holds: a {@link ModelConfig} without its optimizer. */
    private record Architecture(int embedDim, VisionConfig vision, TextConfig text, ModelConfig.Loss loss,
            double lambda) {
    }

    private ConfigJson() {
    }

    static String write(ModelConfig config) {
        try {
            return MAPPER.writeValueAsString(new Architecture(config.embedDim(), config.vision(), config.text(),
                    config.loss(), config.lambda()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the model config as JSON", e);
        }
    }

    static ModelConfig read(JsonNode json, AdamW adamW) {
        try {
            Architecture a = MAPPER.treeToValue(json, Architecture.class);
            return new ModelConfig(a.embedDim(), a.vision(), a.text(), a.loss(), a.lambda(), adamW);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException("invalid model config at " + e.getPathReference() + ": "
                    + cause.getMessage(), e);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException("invalid model config: " + e.getOriginalMessage()
                    + " (at " + e.getPathReference() + ")", e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid model config: " + e.getOriginalMessage(), e);
        }
    }

    static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid model config JSON: " + e.getOriginalMessage(), e);
        }
    }
}
