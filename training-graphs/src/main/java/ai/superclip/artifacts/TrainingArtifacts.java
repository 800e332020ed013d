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
        List<Parameter> params = g.parameters();
        List<Parameter> trainable = params.stream().filter(Parameter::trainable).toList();
        List<Parameter> frozen = params.stream().filter(p -> !p.trainable()).toList();
        if (trainable.isEmpty()) {
            throw new ArtifactException("no trainable parameter: nothing to train");
        }
        List<Value> paramInputs = params.stream().map(Parameter::value).toList();

        Map<String, Value> evalOutputs = new LinkedHashMap<>();
        evalOutputs.put(LOSS, loss);
        evalOutputs.putAll(extraOutputs);
        List<Value> evalInputs = new ArrayList<>(userInputs);
        evalInputs.addAll(paramInputs);
        ModelProto eval = ModelSpec.of("eval", evalInputs, evalOutputs).toProto();

        Value gradientScale = g.input(GRADIENT_SCALE_INPUT, DType.FLOAT, 1);
        Map<Value, Value> grads = Autodiff.gradients(loss, gradientScale, trainable.stream().map(Parameter::value).toList(),
                gradientCheckpointing);
        Value reset = g.input(LAZY_RESET_GRAD, DType.BOOL, 1);
        List<Value> buffers = new ArrayList<>();
        Map<String, Value> flags = new LinkedHashMap<>();
        for (Parameter p : trainable) {
            Value grad = grads.get(p.value());
            if (grad == null) {
                throw new ArtifactException("parameter " + p.name() + " does not affect the loss; freeze it");
            }
            Value buffer = g.input(p.name() + BUFFER_SUFFIX, DType.FLOAT, p.shape());
            buffers.add(buffer);
            flags.put(p.name() + FLAG_SUFFIX, g.node(Op.IN_PLACE_ACCUMULATOR).input(buffer).input(grad).input(reset).build());
        }

        List<Value> fed = new ArrayList<>(userInputs); // what the caller feeds each step
        fed.add(gradientScale);
        Map<String, Value> trainOutputs = new LinkedHashMap<>(evalOutputs);
        boolean decay = adamW.weightDecay() > 0 && trainable.stream().anyMatch(Parameter::decay);
        boolean exemptions = decay && trainable.stream().anyMatch(p -> !p.decay());
        Value rate = null;
        if (exemptions) {
            rate = g.input(WEIGHT_DECAY_INPUT, DType.FLOAT, 1);
            fed.add(rate);
        }
        List<Parameter> rewritten = trainable.stream().filter(p -> (exemptions && !p.decay()) || p.bounds() != null)
                .toList();
        if (!rewritten.isEmpty()) {
            trainOutputs.put(LOSS, rewriteInPlace(g, loss, rate, rewritten, flags.values()));
        }
        List<Value> trainInputs = new ArrayList<>(fed);
        trainInputs.addAll(paramInputs);
        trainInputs.addAll(buffers);
        trainInputs.add(reset);
        trainOutputs.putAll(flags);
        ModelProto training = ModelSpec.of("training", trainInputs, trainOutputs).toProto();

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
        return new Layout(fed.stream().map(Value::name).toList(), trainable.stream().map(Parameter::name).toList(),
                frozen.stream().map(Parameter::name).toList(), List.copyOf(evalOutputs.keySet()));
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
        } else {
            Files.deleteIfExists(data);
        }
        AtomicFiles.write(file, written::writeTo);
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
