package ai.superclip.train;

import ai.onnxruntime.OrtException;
import ai.superclip.data.Batch;
import ai.superclip.tokenization.IdfStatistics;
import java.util.List;

/** Runs one optimizer step over its micro-batches: {@link StepRunner} in one process, {@link DataParallelStepRunner} across workers. */
interface StepExecutor extends AutoCloseable {

    /** Runs one step over {@code micros} (the configured accumulation of them) at learning rate {@code lr}. */
    StepRunner.Outcome step(List<Batch> micros, double lr, IdfStatistics idf) throws OrtException;

    @Override
    void close();
}
