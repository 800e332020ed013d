package ai.superclip.artifacts;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.superclip.autodiff.Autodiff;
import ai.superclip.graph.Attr;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.ModelSpec;
import ai.superclip.graph.Op;
import ai.superclip.graph.Parameter;
import ai.superclip.graph.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the four ONNX Runtime training artifacts for a forward graph and its scalar loss:
 * {@code training_model.onnx}, {@code eval_model.onnx}, {@code optimizer_model.onnx} and {@code checkpoint}.
 *
 * <p>The contract (ORT 1.19+): parameters are graph inputs named as in the checkpoint; each trainable
 * parameter {@code p} has an input {@code p_grad.accumulation.buffer} and an {@code InPlaceAccumulatorV2}
 * node whose flag is the output {@code p_grad.accumulation.out}; the last input is {@code lazy_reset_grad}.
 * Inputs: user inputs, parameters, gradient buffers, {@code lazy_reset_grad}. Outputs: {@code loss}, the
 * extra outputs, then the accumulation flags.
 *
 * <p>Besides the model's own data inputs, the training model takes {@value #GRADIENT_SCALE_INPUT} (float[1]),
 * the factor the step's gradients are multiplied by before accumulation: feed 1/k when k micro-batches are
 * accumulated into one optimizer step, so that the accumulated gradient of a batch-mean loss equals the
 * gradient over the k micro-batches taken together.
 *
 * <p><b>Weight decay.</b> ORT's optimizer has a single parameter group, so its decoupled decay reaches every
 * parameter, while decay belongs on weight matrices only. The optimizer therefore decays all parameters (in its own
 * pass, at no extra memory traffic), and when some trainable parameters are exempt the training model takes one
 * more user input, {@value #WEIGHT_DECAY_INPUT} (float[1]): after the step's gradients are accumulated it divides
 * each exempt parameter in place by {@code 1 - weight_decay_step}, which the optimizer's decay then undoes. Feed
 * {@code lr * weight_decay} on the micro-step that ends an accumulation cycle (just before the optimizer step) and 0
 * otherwise: the result is torch's AdamW with decay on the decayed parameters only (the exempt ones, all small, round
 * twice: within 1.2e-7 relative per step). The in-graph step is skipped when the loss is not finite; skip the
 * optimizer step then too.
 *
 * <p><b>Bounded parameters</b> ({@link Graph#boundedParameter}, e.g. {@code logit_scale}) are written back clamped
 * by the same in-place pass, so that the optimizer steps from a value within bounds, and the next forward clamps
 * the result of that step: open_clip's clamp after every optimizer step.
 */
public final class TrainingArtifacts {
    public static final String TRAINING_MODEL = "training_model.onnx";
    public static final String EVAL_MODEL = "eval_model.onnx";
    public static final String OPTIMIZER_MODEL = "optimizer_model.onnx";
    public static final String CHECKPOINT = "checkpoint";
    public static final String LOSS = "loss";
    public static final String LAZY_RESET_GRAD = "lazy_reset_grad";
    public static final String WEIGHT_DECAY_INPUT = "weight_decay_step";
    public static final String GRADIENT_SCALE_INPUT = "gradient_scale";
    public static final String BUFFER_SUFFIX = "_grad.accumulation.buffer";
    /** The suffix of a worker's gradient outputs and of the injected gradient inputs (see {@link #writeWorker}). */
    public static final String GRADIENT_SUFFIX = ".gradient";
    /** The injection model's input that gates its in-place pass and that it outputs as its loss. */
    public static final String STEP_LOSS_INPUT = "step_loss";
    public static final String FLAG_SUFFIX = "_grad.accumulation.out";
    /** Initializers smaller than this stay inline in a model written with external data. */
    static final int EXTERNAL_MIN_BYTES = 1024;

    private TrainingArtifacts() {
    }

    /** What was written, for callers that feed the models. */
    public record Layout(List<String> userInputs, List<String> trainable, List<String> frozen,
            List<String> outputs) {
    }

    /**
     * Adds the backward graph to {@code graph} and writes the four artifacts into {@code dir}.
     *
     * @param userInputs the data inputs, in the order the models declare them
     * @param extraOutputs further outputs (e.g. loss terms) after the loss, by name
     * @param initialValues parameter values to start from; parameters missing here are drawn from their
     *     initialisers with {@code seed}
     */
    public static Layout write(Path dir, Value loss, List<Value> userInputs, Map<String, Value> extraOutputs,
            AdamW adamW, Map<String, float[]> initialValues, long seed) {
        return write(dir, loss, userInputs, extraOutputs, adamW, initialValues, seed, false);
    }

    /**
     * As {@link #write(Path, Value, List, Map, AdamW, Map, long)}; with {@code gradientCheckpointing} the training
     * model recomputes the graph's recomputable segments (transformer blocks) in its backward pass instead of keeping
     * their activations: less memory, one more forward pass of the blocks per step (see {@code Recomputation}).
     */
    public static Layout write(Path dir, Value loss, List<Value> userInputs, Map<String, Value> extraOutputs,
            AdamW adamW, Map<String, float[]> initialValues, long seed, boolean gradientCheckpointing) {
        Graph g = loss.graph();
        List<Parameter> trainable = trainable(g);
        Map<String, Value> evalOutputs = lossOutputs(loss, extraOutputs);
        List<Value> evalInputs = new ArrayList<>(userInputs);
        evalInputs.addAll(parameterInputs(g));
        ModelProto eval = ModelSpec.of("eval", evalInputs, evalOutputs).toProto();

        Value gradientScale = g.input(GRADIENT_SCALE_INPUT, DType.FLOAT, 1);
        Map<Parameter, Value> grads = gradients(loss, gradientScale, trainable, gradientCheckpointing);
        List<Value> fed = new ArrayList<>(userInputs); // what the caller feeds each step
        fed.add(gradientScale);
        Training training = trainingModel(loss, fed, grads, evalOutputs, adamW);
        writeAll(dir, training.model(), eval, g.parameters(), adamW, initialValues, seed);
        return layout(training, g, evalOutputs);
    }

    /**
     * Writes the artifacts of one worker of synchronous data-parallel training, where gradients leave a worker's
     * step and the sum of every worker's enters the optimizer (see docs/distributed.md):
     * <ul>
     *   <li>the <b>eval model</b> is a gradient model: {@code loss}'s forward and backward over {@code userInputs}
     *       and {@value #GRADIENT_SCALE_INPUT} (the backward's seed), with outputs {@code loss}, the extra outputs,
     *       then {@code p}{@value #GRADIENT_SUFFIX} for each trainable parameter, and no accumulation;</li>
     *   <li>the <b>training model</b> injects gradients: it takes {@code p}{@value #GRADIENT_SUFFIX} for each trainable
     *       parameter and adds exactly that into ONNX Runtime's gradient buffer, with the in-place pass of
     *       {@link #write} (bounds, decay exemptions) gated on the finite {@value #STEP_LOSS_INPUT} it is fed and
     *       outputs as {@code loss}; its further outputs {@code features} (forward only, over {@code featureInputs})
     *       let the same call compute a batch's features with the current weights.</li>
     * </ul>
     * The two graphs must declare the same parameters (build both with the same model code).
     */
    public static Layout writeWorker(Path dir, Value loss, List<Value> userInputs, Map<String, Value> extraOutputs,
            List<Value> featureInputs, Map<String, Value> features, AdamW adamW, Map<String, float[]> initialValues,
            long seed) {
        Graph g = loss.graph();
        Graph h = features.values().iterator().next().graph();
        List<String> declared = names(g.parameters());
        List<Parameter> injectedParameters = trainable(h);
        if (!declared.equals(names(h.parameters())) || !names(trainable(g)).equals(names(injectedParameters))) {
            throw new ArtifactException("the gradient and injection graphs declare different parameters: "
                    + declared + " vs " + names(h.parameters()));
        }
        Value gradientScale = g.input(GRADIENT_SCALE_INPUT, DType.FLOAT, 1);
        Map<String, Value> gradientOutputs = lossOutputs(loss, extraOutputs);
        gradients(loss, gradientScale, trainable(g), false).forEach((p, grad) -> gradientOutputs.put(p.name() + GRADIENT_SUFFIX, grad));
        List<Value> gradientInputs = new ArrayList<>(userInputs);
        gradientInputs.add(gradientScale);
        gradientInputs.addAll(parameterInputs(g));
        ModelProto gradientModel = ModelSpec.of("gradient", gradientInputs, gradientOutputs).toProto();

        List<Value> fed = new ArrayList<>(featureInputs);
        Map<Parameter, Value> injected = new LinkedHashMap<>();
        for (Parameter p : injectedParameters) {
            Value gradient = h.input(p.name() + GRADIENT_SUFFIX, DType.FLOAT, p.shape());
            injected.put(p, gradient);
            fed.add(gradient);
        }
        Value stepLoss = h.input(STEP_LOSS_INPUT, DType.FLOAT);
        fed.add(stepLoss);
        Map<String, Value> injectionOutputs = lossOutputs(stepLoss, features);
        Training injection = trainingModel(stepLoss, fed, injected, injectionOutputs, adamW);
        writeAll(dir, injection.model(), gradientModel, g.parameters(), adamW, initialValues, seed);
        return layout(injection, g, gradientOutputs);
    }

    /** The layout of {@code training} over the parameters of {@code g}, whose eval model has {@code evalOutputs}. */
    private static Layout layout(Training training, Graph g, Map<String, Value> evalOutputs) {
        return new Layout(training.fed().stream().map(Value::name).toList(), names(trainable(g)),
                names(g.parameters().stream().filter(p -> !p.trainable()).toList()), List.copyOf(evalOutputs.keySet()));
    }

    /** A training model and the user inputs it is fed, in order. */
    private record Training(ModelProto model, List<Value> fed) {
    }

    /**
     * The training model that accumulates {@code grads} (one per trainable parameter) into the gradient buffers, with
     * the in-place pass for bounded and decay-exempt parameters; {@code fed} gains {@value #WEIGHT_DECAY_INPUT} when
     * that pass needs it. Outputs: {@code outputs} ({@code loss} first), then the accumulation flags.
     */
    private static Training trainingModel(Value loss, List<Value> fed, Map<Parameter, Value> grads,
            Map<String, Value> outputs, AdamW adamW) {
        Graph g = loss.graph();
        List<Parameter> trainable = List.copyOf(grads.keySet());
        Value reset = g.input(LAZY_RESET_GRAD, DType.BOOL, 1);
        List<Value> buffers = new ArrayList<>();
        Map<String, Value> flags = new LinkedHashMap<>();
        for (Parameter p : trainable) {
            Value buffer = g.input(p.name() + BUFFER_SUFFIX, DType.FLOAT, p.shape());
            buffers.add(buffer);
            flags.put(p.name() + FLAG_SUFFIX, g.node(Op.IN_PLACE_ACCUMULATOR).input(buffer).input(grads.get(p)).input(reset).build());
        }
        List<Value> userInputs = new ArrayList<>(fed);
        Map<String, Value> trainOutputs = new LinkedHashMap<>(outputs);
        boolean decay = adamW.weightDecay() > 0 && trainable.stream().anyMatch(Parameter::decay);
        boolean exemptions = decay && trainable.stream().anyMatch(p -> !p.decay());
        Value rate = null;
        if (exemptions) {
            rate = g.input(WEIGHT_DECAY_INPUT, DType.FLOAT, 1);
            userInputs.add(rate);
        }
        List<Parameter> rewritten = trainable.stream().filter(p -> (exemptions && !p.decay()) || p.bounds() != null)
                .toList();
        if (!rewritten.isEmpty()) {
            trainOutputs.put(LOSS, rewriteInPlace(g, loss, rate, rewritten, flags.values()));
        }
        List<Value> trainInputs = new ArrayList<>(userInputs);
        trainInputs.addAll(parameterInputs(g));
        trainInputs.addAll(buffers);
        trainInputs.add(reset);
        trainOutputs.putAll(flags);
        return new Training(ModelSpec.of("training", trainInputs, trainOutputs).toProto(), userInputs);
    }

    /** Writes the three models and the checkpoint of {@code params} (initial values, else drawn with {@code seed}). */
    private static void writeAll(Path dir, ModelProto training, ModelProto eval, List<Parameter> params, AdamW adamW,
            Map<String, float[]> initialValues, long seed) {
        List<Parameter> trainable = params.stream().filter(Parameter::trainable).toList();
        List<Parameter> frozen = params.stream().filter(p -> !p.trainable()).toList();
        boolean decay = adamW.weightDecay() > 0 && trainable.stream().anyMatch(Parameter::decay);
        List<NamedArray> trainableValues = new ArrayList<>();
        List<NamedArray> frozenValues = new ArrayList<>();
        for (Parameter p : params) {
            float[] v = initialValues.containsKey(p.name()) ? initialValues.get(p.name()) : p.initialValue(seed);
            (p.trainable() ? trainableValues : frozenValues).add(new NamedArray(p.name(), p.shape(), v));
        }
        try {
            Files.createDirectories(dir);
            writeModel(dir.resolve(TRAINING_MODEL), training);
            writeModel(dir.resolve(EVAL_MODEL), eval);
            writeModel(dir.resolve(OPTIMIZER_MODEL), OptimizerModel.adamW(adamW, decay ? adamW.weightDecay() : 0f));
        } catch (IOException e) {
            throw new ArtifactException("cannot write training artifacts to " + dir + ": " + e.getMessage(), e);
        }
        new OrtCheckpoint(trainableValues, frozenValues, null, OrtCheckpoint.PropertyBag.empty())
                .write(dir.resolve(CHECKPOINT), needsExternalData(trainable, frozen));
    }

    private static List<Parameter> trainable(Graph g) {
        List<Parameter> trainable = g.parameters().stream().filter(Parameter::trainable).toList();
        if (trainable.isEmpty()) {
            throw new ArtifactException("no trainable parameter: nothing to train");
        }
        return trainable;
    }

    private static List<Value> parameterInputs(Graph g) {
        return g.parameters().stream().map(Parameter::value).toList();
    }

    private static List<String> names(List<Parameter> params) {
        return params.stream().map(Parameter::name).toList();
    }

    /** {@code loss} as {@value #LOSS}, then {@code extra}. */
    private static Map<String, Value> lossOutputs(Value loss, Map<String, Value> extra) {
        Map<String, Value> outputs = new LinkedHashMap<>();
        outputs.put(LOSS, loss);
        outputs.putAll(extra);
        return outputs;
    }

    /**
     * The gradient of {@code loss}, its backward seeded by {@code seed}, for each trainable parameter; with
     * {@code gradientCheckpointing}, recomputing the recomputable segments in the backward pass.
     */
    private static Map<Parameter, Value> gradients(Value loss, Value seed, List<Parameter> trainable,
            boolean gradientCheckpointing) {
        Map<Value, Value> grads = Autodiff.gradients(loss, seed, trainable.stream().map(Parameter::value).toList(),
                gradientCheckpointing);
        Map<Parameter, Value> byParameter = new LinkedHashMap<>();
        for (Parameter p : trainable) {
            Value grad = grads.get(p.value());
            if (grad == null) {
                throw new ArtifactException("parameter " + p.name() + " does not affect the loss; freeze it");
            }
            byParameter.put(p, grad);
        }
        return byParameter;
    }

    /**
     * Whether the checkpoint must keep its parameters in an external data file. ONNX Runtime (1.24) saves a session's
     * checkpoint in the form it loaded: parameters in {@code checkpoint.data} only when the loaded checkpoint had one,
     * optimizer moments always inline, all in one flatbuffer that cannot pass 2 GiB. So the form is chosen here, by
     * the size of the state ORT will save (parameters and AdamW's two moments per trainable one), not of this
     * first checkpoint alone.
     */
    static boolean needsExternalData(List<Parameter> trainable, List<Parameter> frozen) {
        long bytes = 0;
        for (Parameter p : trainable) {
            bytes += 3L * Float.BYTES * p.size();
        }
        for (Parameter p : frozen) {
            bytes += (long) Float.BYTES * p.size();
        }
        return bytes > OrtCheckpoint.EXTERNAL_DATA_THRESHOLD;
    }

    /**
     * Rewrites parameters in place, ordered after every gradient accumulation (through their flags) and gated on a
     * finite loss: a bounded parameter p becomes clamp(p) (see {@link Graph#boundedParameter}), and a parameter
     * exempt from decay (when {@code rate} is not null) is divided by (1 − rate), through p += p · rate / (1 − rate).
     * Returns the loss re-exposed so that these nodes are part of the graph.
     */
    private static Value rewriteInPlace(Graph g, Value loss, Value rate, List<Parameter> rewritten,
            java.util.Collection<Value> flags) {
        List<Value> ready = new ArrayList<>(flags);
        // loss - loss is 0 for a finite loss and NaN for NaN and ±Inf: one IsNaN catches both.
        ready.add(g.apply(Op.NOT, g.apply(Op.IS_NAN, loss.sub(loss))).reshape(1));
        Value gate = allTrue(g, ready).cast(DType.FLOAT);
        Value step = rate == null ? null : rate.div(g.scalar(1, DType.FLOAT).sub(rate)).mul(gate);
        List<Value> done = new ArrayList<>();
        for (Parameter p : rewritten) {
            Value v = p.value();
            boolean exempt = step != null && !p.decay();
            Value delta;
            if (p.bounds() == null) {
                delta = v.mul(step);
            } else {
                Value clamped = g.node(Op.CLIP).input(v).input(g.scalar(p.bounds().min(), DType.FLOAT))
                        .input(g.scalar(p.bounds().max(), DType.FLOAT)).build();
                Value target = exempt ? clamped.add(clamped.mul(step)) : clamped;
                delta = target.sub(v).mul(gate);
            }
            done.add(g.node(Op.IN_PLACE_ACCUMULATOR).input(v).input(delta).input(null).build());
        }
        return g.apply(Op.WHERE, allTrue(g, done).squeeze(0), loss, loss);
    }

    /** BOOL[1] that is true when every flag is, and that depends on all of them. */
    private static Value allTrue(Graph g, List<Value> flags) {
        Graph.NodeBuilder concat = g.node(Op.CONCAT).attr(Attr.AXIS, 0L);
        flags.forEach(f -> concat.input(f.reshape(1))); // the CPU kernel may write the flag as a scalar
        Value all = concat.build();
        Value min = g.node(Op.REDUCE_MIN).attr(Attr.AXES, new long[] {0}).attr(Attr.KEEPDIMS, 1L).input(all.cast(DType.FLOAT)).build();
        return g.apply(Op.GREATER_OR_EQUAL, min, g.scalar(1, DType.FLOAT));
    }

    /**
     * Writes an ONNX model file atomically (see {@link AtomicFiles}); when its initializers hold more than
     * {@link OrtCheckpoint#EXTERNAL_DATA_THRESHOLD} bytes, with ONNX external data (see
     * {@link #writeModel(Path, ModelProto, long)}): a protobuf message cannot pass 2 GiB.
     */
    public static void writeModel(Path file, ModelProto model) throws IOException {
        writeModel(file, model, OrtCheckpoint.EXTERNAL_DATA_THRESHOLD);
    }

    /**
     * Writes an ONNX model file atomically. When its initializers hold more than {@code externalDataThreshold} bytes,
     * their data goes to {@code <file>.data} beside it, written first, back to back, each initializer then saying
     * {@code data_location: EXTERNAL} with its {@code location}, {@code offset} and {@code length} (ONNX's external
     * data, which ONNX Runtime loads relative to the model's directory); otherwise a stale {@code <file>.data} is
     * removed. Initializers under {@value #EXTERNAL_MIN_BYTES} bytes (ONNX's own default) stay inline.
     */
    public static void writeModel(Path file, ModelProto model, long externalDataThreshold) throws IOException {
        Path data = file.resolveSibling(file.getFileName() + OrtCheckpoint.EXTERNAL_DATA_SUFFIX);
        long bytes = 0;
        for (TensorProto t : model.getGraph().getInitializerList()) {
            bytes += t.getRawData().size();
        }
        ModelProto written = model;
        if (bytes > externalDataThreshold) {
            GraphProto.Builder graph = model.getGraph().toBuilder();
            String location = data.getFileName().toString();
            AtomicFiles.write(data, out -> {
                long offset = 0;
                for (int i = 0; i < graph.getInitializerCount(); i++) {
                    TensorProto t = graph.getInitializer(i);
                    long length = t.getRawData().size();
                    if (length < EXTERNAL_MIN_BYTES) {
                        continue; // shapes and axes stay inline: shape inference reads them at load time
                    }
                    t.getRawData().writeTo(out);
                    graph.setInitializer(i, t.toBuilder().clearRawData()
                            .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                            .addExternalData(entry("location", location))
                            .addExternalData(entry("offset", Long.toString(offset)))
                            .addExternalData(entry("length", Long.toString(length))).build());
                    offset += length;
                }
            });
            written = model.toBuilder().setGraph(graph).build();
        }
        AtomicFiles.write(file, written::writeTo);
        if (written == model) {
            Files.deleteIfExists(data); // stale, and only once the model that no longer reads it is in place
        }
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
