package ai.superclip.spark;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.types.StructType;

/**
 * What every SuperCLIP stage has: the model directory, the input column and the output column. The state of a
 * stage is its params only, so Spark ML's default persistence saves and loads it ({@link DefaultParamsWritable});
 * the model files themselves stay where {@link #modelDir()} points.
 *
 * @param <S> the concrete stage, which the setters return
 *
 * <p>Spark finds params through public no-argument methods returning a {@link Param}, hence the accessors.
 */
public abstract class SuperClipStage<S extends SuperClipStage<S>> extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> modelDir;
    private final Param<String> inputCol;
    private final Param<String> outputCol;

    protected SuperClipStage(String uid, String defaultInput, String defaultOutput) {
        this.uid = uid;
        // Params need the uid, so they are made here rather than in field initialisers.
        modelDir = new Param<>(this, "modelDir", "directory of the exported encoders (image_encoder.onnx, "
                + "text_encoder.onnx), readable on every executor or shipped with the job");
        inputCol = new Param<>(this, "inputCol", "input column");
        outputCol = new Param<>(this, "outputCol", "output column");
        setDefault(inputCol, defaultInput);
        setDefault(outputCol, defaultOutput);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> modelDir() {
        return modelDir;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public String getModelDir() {
        if (!isDefined(modelDir)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " " + uid + ": set modelDir");
        }
        return getOrDefault(modelDir);
    }

    public String getInputCol() {
        return getOrDefault(inputCol);
    }

    public String getOutputCol() {
        return getOrDefault(outputCol);
    }

    /** Sets the model directory (returns this stage, as the other setters do). */
    public S setModelDir(String dir) {
        set(modelDir, dir);
        return self();
    }

    public S setInputCol(String column) {
        set(inputCol, column);
        return self();
    }

    public S setOutputCol(String column) {
        set(outputCol, column);
        return self();
    }

    @SuppressWarnings("unchecked")
    protected final S self() {
        return (S) this;
    }

    /** The input column's index, failing with the columns there are when it is missing. */
    protected int inputIndex(StructType schema) {
        String name = getInputCol();
        for (int i = 0; i < schema.fields().length; i++) {
            if (schema.fields()[i].name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException(getClass().getSimpleName() + ": input column '" + name
                + "' not found; the columns are " + String.join(", ", schema.fieldNames()));
    }

    /** Fails when a column the stage would add already exists. */
    protected static void requireAbsent(StructType schema, String column) {
        for (String name : schema.fieldNames()) {
            if (name.equals(column)) {
                throw new IllegalArgumentException("output column '" + column + "' already exists");
            }
        }
    }

    @Override
    public Transformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
