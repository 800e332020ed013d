package ai.superclip.spark;

import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.ParamValidators;

/**
 * A stage that runs an encoder on the executors: rows go through in batches of {@link #batchSize()}, with the
 * executor's shared model ({@link ExecutorModels}).
 *
 * @param <S> the concrete stage
 */
public abstract class EncoderStage<S extends EncoderStage<S>> extends SuperClipStage<S> {
    private static final long serialVersionUID = 1L;

    private final IntParam batchSize;
    private final IntParam threads;

    protected EncoderStage(String uid, String defaultInput, String defaultOutput) {
        super(uid, defaultInput, defaultOutput);
        batchSize = new IntParam(this, "batchSize", "rows per inference run", ParamValidators.gtEq(1));
        threads = new IntParam(this, "threads",
                "ONNX Runtime intra-op threads of the executor's session (0: the executor's cores)",
                ParamValidators.gtEq(0));
        setDefault(batchSize, 32);
        setDefault(threads, 0);
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public IntParam threads() {
        return threads;
    }

    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    public int getThreads() {
        return (Integer) getOrDefault(threads);
    }

    public S setBatchSize(int rows) {
        set(batchSize, rows);
        return self();
    }

    public S setThreads(int count) {
        set(threads, count);
        return self();
    }
}
