package ai.superclip.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint's {@code state.json}, written beside ONNX Runtime's checkpoint and the IDF statistics: where the run
 * stands, whether the AdamW moments were saved, the model (its {@code ModelConfig.toJson} form) and the run settings
 * a resume compares with its own. Fields that older checkpoints lack read as null.
 *
 * @param state          step, data position and skipped steps
 * @param optimizerState whether ONNX Runtime's checkpoint holds the AdamW moments (false past 2 GiB of them)
 */
record RunState(Position state, Boolean optimizerState, JsonNode model, Integer batchSize, Integer accumulation,
        Boolean dualCaption, Long steps, Double lr, Long seed) {

    /** The file name in each checkpoint directory. */
    static final String FILE = "state.json";

    /** Where a run stands: optimizer steps done, the data loader's position after them, steps skipped. */
    record Position(long step, int epoch, int index, long skipped) {
    }

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** The state of {@code config}'s run at {@code position}. */
    static RunState of(Position position, boolean optimizerState, JsonNode model, TrainingConfig config) {
        return new RunState(position, optimizerState, model, config.batchSize(), config.accumulation(),
                config.dualCaption(), (long) config.steps(), config.learningRate(), config.seed());
    }

    void write(Path checkpointDir) throws IOException {
        JSON.writerWithDefaultPrettyPrinter().writeValue(checkpointDir.resolve(FILE).toFile(), this);
    }

    /** Reads a checkpoint directory's state, failing with the file's name. */
    static RunState read(Path checkpointDir) {
        Path file = checkpointDir.resolve(FILE);
        try {
            RunState s = JSON.readValue(file.toFile(), RunState.class);
            if (s.state() == null) {
                throw new CheckpointException(file + " has no 'state'");
            }
            return s;
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
