package ai.superclip.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtException.OrtErrorCode;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import ai.onnxruntime.OrtTrainingSession;
import ai.superclip.artifacts.TrainingArtifacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX Runtime training session over the four training artifacts (checkpoint, training, eval
 * and optimizer models). A thin layer over {@link OrtTrainingSession} that takes step inputs by
 * name: the raw API feeds them by position, in the map's iteration order. Not thread-safe.
 */
public final class TrainingSession implements AutoCloseable {
    /** The checkpoint's name in an artifact directory. */
    public static final String CHECKPOINT = TrainingArtifacts.CHECKPOINT;
    /** The training model's name in an artifact directory. */
    public static final String TRAINING_MODEL = TrainingArtifacts.TRAINING_MODEL;
    /** The eval model's name in an artifact directory. */
    public static final String EVAL_MODEL = TrainingArtifacts.EVAL_MODEL;
    /** The optimizer model's name in an artifact directory. */
    public static final String OPTIMIZER_MODEL = TrainingArtifacts.OPTIMIZER_MODEL;

    /**
     * Session settings.
     *
     * @param intraOpThreads threads per operator; 0 lets ONNX Runtime choose
     * @param deterministic whether kernels must give bit-identical results run to run
     * @param device "cpu", or "cuda" / "cuda:N" for the CUDA execution provider (needs the GPU build)
     * @param profile a file prefix to write ONNX Runtime's profile under, or null for none
     */
    public record Options(int intraOpThreads, boolean deterministic, String device, String profile) {
        /** ONNX Runtime's thread count, deterministic kernels, CPU. */
        public static final Options DEFAULT = new Options(0, true, "cpu");

        /** Whether {@code device} names a device: "cpu", "cuda" or "cuda:N". */
        public static boolean isDevice(String device) {
            return device != null && device.matches("cpu|cuda(:\\d+)?");
        }

        /** On the CPU. */
        public Options(int intraOpThreads, boolean deterministic) {
            this(intraOpThreads, deterministic, "cpu");
        }

        /** Without profiling. */
        public Options(int intraOpThreads, boolean deterministic, String device) {
            this(intraOpThreads, deterministic, device, null);
        }

        public Options {
            if (intraOpThreads < 0) {
                throw new IllegalArgumentException("threads must be >= 0, got " + intraOpThreads);
            }
            if (!isDevice(device)) {
                throw new IllegalArgumentException("device must be cpu or cuda[:id], got " + device);
            }
        }

        /** The same settings, profiling under {@code prefix}. */
        public Options withProfile(String prefix) {
            return new Options(intraOpThreads, deterministic, device, prefix);
        }
    }

    private final OrtTrainingSession session;
    private final SessionOptions sessionOptions;
    private final List<String> trainInputs;
    private final List<String> evalInputs;
    private final List<String> trainOutputs;
    private final List<String> evalOutputs;

    private TrainingSession(OrtTrainingSession session, SessionOptions sessionOptions) {
        this.session = session;
        this.sessionOptions = sessionOptions;
        this.trainInputs = List.copyOf(session.getTrainInputNames());
        this.evalInputs = List.copyOf(session.getEvalInputNames());
        this.trainOutputs = List.copyOf(session.getTrainOutputNames());
        this.evalOutputs = List.copyOf(session.getEvalOutputNames());
    }

    /** Opens the artifacts named {@link #CHECKPOINT}, {@link #TRAINING_MODEL}, … in a directory. */
    public static TrainingSession open(Path artifactDirectory, Options options) throws OrtException {
        return open(artifactDirectory.resolve(CHECKPOINT), artifactDirectory.resolve(TRAINING_MODEL),
                artifactDirectory.resolve(EVAL_MODEL), artifactDirectory.resolve(OPTIMIZER_MODEL), options);
    }

    /** Opens a session from a checkpoint (file or directory) and the three models. */
    public static TrainingSession open(
            Path checkpoint, Path trainingModel, Path evalModel, Path optimizerModel, Options options)
            throws OrtException {
        for (Path path : List.of(checkpoint, trainingModel, evalModel, optimizerModel)) {
            if (!Files.exists(path)) {
                throw new OrtException(OrtErrorCode.ORT_NO_SUCHFILE, "No training artifact at " + path);
            }
        }
        OrtEnvironment environment = OrtRuntime.environment();
        SessionOptions sessionOptions = new SessionOptions();
        try {
            sessionOptions.setOptimizationLevel(OptLevel.ALL_OPT);
            if (options.intraOpThreads() > 0) {
                sessionOptions.setIntraOpNumThreads(options.intraOpThreads());
            }
            sessionOptions.setDeterministicCompute(options.deterministic());
            // The memory pattern is planned after the first step and then allocated as one block beside the
            // arena's chunks from that step, which the arena never returns: it costs ~1.4x the activations in
            // resident memory and measured no faster than the arena alone (docs/performance.md).
            sessionOptions.setMemoryPatternOptimization(false);
            addDevice(sessionOptions, options.device());
            if (options.profile() != null) {
                sessionOptions.enableProfiling(options.profile());
            }
            OrtTrainingSession session = environment.createTrainingSession(checkpoint.toString(),
                    trainingModel.toString(), evalModel.toString(), optimizerModel.toString(), sessionOptions);
            return new TrainingSession(session, sessionOptions);
        } catch (OrtException | RuntimeException e) {
            sessionOptions.close();
            throw e;
        }
    }

    /** Adds the CUDA execution provider for "cuda[:id]", failing with what to install when it is missing. */
    static void addDevice(SessionOptions sessionOptions, String device) throws OrtException {
        if (device.equals("cpu")) {
            return;
        }
        int id = device.contains(":") ? Integer.parseInt(device.substring(device.indexOf(':') + 1)) : 0;
        try {
            sessionOptions.addCUDA(id);
        } catch (OrtException | RuntimeException e) {
            throw new OrtException(OrtErrorCode.ORT_EP_FAIL, "device " + device + " is not available: " + e.getMessage()
                    + ". CUDA training needs the GPU build: build with -Pgpu (com.microsoft.onnxruntime:onnxruntime_gpu"
                    + " and org.bytedeco:onnxruntime:" + OrtRuntime.BYTEDECO_VERSION + ":linux-x86_64-gpu), CUDA 13"
                    + " and cuDNN 9 on the library path, and an NVIDIA driver.");
        }
    }

    /** The user inputs of the training model, in the model's order. */
    public List<String> trainInputNames() {
        return trainInputs;
    }

    /** The user inputs of the eval model, in the model's order. */
    public List<String> evalInputNames() {
        return evalInputs;
    }

    /** The training model's outputs (the loss first), in the model's order. */
    public List<String> trainOutputNames() {
        return trainOutputs;
    }

    /** The eval model's outputs, in the model's order. */
    public List<String> evalOutputNames() {
        return evalOutputs;
    }

    /**
     * Runs forward and backward on one batch, adding the gradients to the accumulation buffers.
     *
     * @param inputs every training input by name (see {@link #trainInputNames()})
     */
    public StepOutputs trainStep(Map<String, ? extends OnnxTensorLike> inputs) throws OrtException {
        return new StepOutputs(session.trainStep(inOrder(trainInputs, inputs, "training model's inputs")));
    }

    /**
     * Runs forward and backward like {@link #trainStep(Map)}, writing the outputs into tensors the caller made once
     * and reuses across steps (pinned outputs: nothing is allocated per step). Read the values from the tensors'
     * buffers afterwards.
     *
     * @param outputs every training output by name (see {@link #trainOutputNames()}), shaped as the model makes it
     */
    public void trainStep(Map<String, ? extends OnnxTensorLike> inputs, Map<String, OnnxTensor> outputs)
            throws OrtException {
        session.trainStep(inOrder(trainInputs, inputs, "training model's inputs"),
                inOrder(trainOutputs, outputs, "training model's outputs")).close();
    }

    /**
     * Runs the eval model on one batch with the current weights.
     *
     * @param inputs every eval input by name (see {@link #evalInputNames()})
     */
    public StepOutputs evalStep(Map<String, ? extends OnnxTensorLike> inputs) throws OrtException {
        return new StepOutputs(session.evalStep(inOrder(evalInputs, inputs, "eval model's inputs")));
    }

    /**
     * Runs the eval model like {@link #evalStep(Map)}, writing the outputs into tensors the caller made once (pinned
     * outputs, as {@link #trainStep(Map, Map)}).
     *
     * @param outputs every eval output by name (see {@link #evalOutputNames()}), shaped as the model makes it
     */
    public void evalStep(Map<String, ? extends OnnxTensorLike> inputs, Map<String, OnnxTensor> outputs)
            throws OrtException {
        session.evalStep(inOrder(evalInputs, inputs, "eval model's inputs"),
                inOrder(evalOutputs, outputs, "eval model's outputs")).close();
    }

    /** Updates the weights from the accumulated gradients. */
    public void optimizerStep() throws OrtException {
        session.optimizerStep();
    }

    /** Zeroes the accumulated gradients at the start of the next training step. */
    public void lazyResetGrad() throws OrtException {
        session.lazyResetGrad();
    }

    /** Sets the learning rate the next optimizer steps use. */
    public void setLearningRate(float learningRate) throws OrtException {
        session.setLearningRate(learningRate);
    }

    /** The learning rate the next optimizer step uses. */
    public float getLearningRate() throws OrtException {
        return session.getLearningRate();
    }

    /** Writes the current weights, and optionally the optimizer moments, as a checkpoint. */
    public void saveCheckpoint(Path path, boolean includeOptimizerState) throws OrtException {
        session.saveCheckpoint(path, includeOptimizerState);
    }

    /** Writes an inference model: the eval model keeping {@code outputNames}, weights baked in. */
    public void exportModelForInference(Path out, List<String> outputNames) throws OrtException {
        session.exportModelForInference(out, outputNames.toArray(String[]::new));
    }

    @Override
    public void close() {
        session.close();
        sessionOptions.close();
    }

    /** Checks the names given against {@code expected} and orders the values as the model wants. */
    static <T> Map<String, T> inOrder(List<String> expected, Map<String, ? extends T> given, String what)
            throws OrtException {
        List<String> missing = new ArrayList<>();
        Map<String, T> ordered = new LinkedHashMap<>();
        for (String name : expected) {
            T value = given.get(name);
            if (value == null) {
                missing.add(name);
            } else {
                ordered.put(name, value);
            }
        }
        List<String> unknown = new ArrayList<>(given.keySet());
        unknown.removeAll(expected);
        if (!missing.isEmpty() || !unknown.isEmpty()) {
            throw new OrtException(OrtErrorCode.ORT_INVALID_ARGUMENT, "The " + what + " are " + expected
                    + (missing.isEmpty() ? "" : "; missing " + missing)
                    + (unknown.isEmpty() ? "" : "; unknown " + unknown));
        }
        return ordered;
    }
}
