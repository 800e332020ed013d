package ai.superclip.artifacts;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * An ONNX Runtime on-device training checkpoint: the flatbuffer file (identifier {@code ODTC},
 * version 2) that {@code OrtTrainingSession} loads and saves, per {@code ort_training_checkpoint.fbs}.
 *
 * <p>Only float32 tensors are supported. They are stored inline ({@code raw_data}) or, in a checkpoint too large
 * for one flatbuffer (which addresses at most 2 GiB), in an external data file beside it, {@code <file>.data}
 * ({@link #externalDataFile}): the module state says {@code has_external_data} and each tensor gives its
 * {@code external_data_offset} there instead of {@code raw_data}. Nominal checkpoints are rejected. Tensor lists and
 * map keys are kept sorted by the UTF-8 bytes of their names, the order in which ONNX Runtime writes them.
 *
 * <p>The reading and writing live in {@link OrtCheckpointReader} and {@link OrtCheckpointWriter}.
 *
 * @param trainable  parameters that require gradients ({@code requires_grad_params})
 * @param frozen     parameters that do not ({@code frozen_params}); may be empty
 * @param optimizer  the optimizer state, or {@code null} for none
 * @param properties user properties stored with the checkpoint
 */
public record OrtCheckpoint(
        List<NamedArray> trainable, List<NamedArray> frozen, OptimizerState optimizer, PropertyBag properties) {

    /** The flatbuffer file identifier, bytes 4..8 of the file. */
    public static final String FILE_IDENTIFIER = "ODTC";
    /** The checkpoint format version this class reads and writes. */
    public static final int VERSION = 2;

    /** Orders names as ONNX Runtime's {@code std::sort} of {@code std::string}: by unsigned UTF-8 bytes. */
    static final Comparator<String> NAME_ORDER =
            (a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private static final Comparator<NamedArray> BY_NAME = Comparator.comparing(NamedArray::name, NAME_ORDER);

    /** The suffix ONNX Runtime gives a checkpoint's external data file. */
    public static final String EXTERNAL_DATA_SUFFIX = ".data";
    /**
     * Tensor bytes above which {@link #write(Path)} moves the tensors to the external data file; ONNX Runtime's own
     * writer (checkpoint.cc) uses the same figure, leaving room below the flatbuffer's 2 GiB for the tables.
     */
    public static final long EXTERNAL_DATA_THRESHOLD = 1800L << 20;
    /** A flatbuffer addresses at most 2 GiB. */
    static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    // Field slots (declaration order in ort_training_checkpoint.fbs and ort.fbs).
    static final int CHECKPOINT_VERSION = 0;
    static final int CHECKPOINT_MODULE_STATE = 1;
    static final int CHECKPOINT_OPTIMIZER_GROUPS = 2;
    static final int CHECKPOINT_PROPERTY_BAG = 3;
    static final int MODULE_REQUIRES_GRAD = 0;
    static final int MODULE_FROZEN = 1;
    static final int MODULE_IS_NOMINAL = 2;
    static final int MODULE_HAS_EXTERNAL_DATA = 3;
    static final int GROUP_NAME = 0;
    static final int GROUP_STEP = 1;
    static final int GROUP_INITIAL_LR = 2;
    static final int GROUP_STATES = 3;
    static final int PARAM_STATE_NAME = 0;
    static final int PARAM_STATE_MOMENTUMS = 1;
    static final int BAG_INTS = 0;
    static final int BAG_FLOATS = 1;
    static final int BAG_STRINGS = 2;
    static final int PROPERTY_NAME = 0;
    static final int PROPERTY_VALUE = 1;
    static final int TENSOR_NAME = 0;
    static final int TENSOR_DIMS = 2;
    static final int TENSOR_DATA_TYPE = 3;
    static final int TENSOR_RAW_DATA = 4;
    static final int TENSOR_EXTERNAL_DATA_OFFSET = 6;
    static final int TENSOR_FIELDS = 7;

    static final int DATA_TYPE_FLOAT = 1;
    static final String[] DATA_TYPE_NAMES = {
        "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL", "FLOAT16",
        "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ",
        "FLOAT8E5M2", "FLOAT8E5M2FNUZ"};

    /**
     * Validates the checkpoint: parameter names are unique across both lists, and every optimizer
     * moment belongs to a trainable parameter and has its shape.
     */
    public OrtCheckpoint {
        trainable = sortedCopy(trainable, "trainable");
        frozen = sortedCopy(frozen, "frozen");
        Objects.requireNonNull(properties, "properties");
        Map<String, NamedArray> trainableByName = new HashMap<>();
        for (NamedArray p : trainable) {
            trainableByName.put(p.name(), p);
        }
        Set<String> names = new HashSet<>();
        for (NamedArray p : concat(trainable, frozen)) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("duplicate parameter name '" + p.name() + "'");
            }
        }
        if (optimizer != null) {
            optimizer.momentsByParameter().forEach((param, moments) -> {
                NamedArray p = trainableByName.get(param);
                if (p == null) {
                    throw new IllegalArgumentException(
                            "optimizer state for '" + param + "', which is not a trainable parameter");
                }
                for (NamedArray m : moments) {
                    if (!Arrays.equals(m.shape(), p.shape())) {
                        throw new IllegalArgumentException("optimizer moment '" + m.name() + "' of '" + param
                                + "' has shape " + Arrays.toString(m.shape()) + ", the parameter has "
                                + Arrays.toString(p.shape()));
                    }
                }
            });
        }
    }

    /**
     * The state of one optimizer parameter group (ORT supports a single group, named {@code group0}).
     *
     * @param groupName           the group's name
     * @param step                the number of optimizer steps taken
     * @param initialLearningRate the learning rate the optimizer started with; ORT 1.24 keeps it for its
     *                            schedulers but starts a loaded session at its default rate (0.001)
     *                            until {@code setLearningRate} is called
     * @param momentsByParameter  per trainable parameter its moment tensors; for AdamW
     *                            {@code momentum0} (first order) and {@code momentum1} (second order)
     */
    public record OptimizerState(
            String groupName, long step, float initialLearningRate, Map<String, List<NamedArray>> momentsByParameter) {

        public OptimizerState {
            Objects.requireNonNull(groupName, "groupName");
            Objects.requireNonNull(momentsByParameter, "momentsByParameter");
            if (step < 0) {
                throw new IllegalArgumentException("optimizer step must be >= 0, got " + step);
            }
            Map<String, List<NamedArray>> copy = new TreeMap<>(NAME_ORDER);
            momentsByParameter.forEach((param, moments) -> {
                List<NamedArray> sorted = sortedCopy(moments, "moments of '" + param + "'");
                for (int i = 1; i < sorted.size(); i++) {
                    if (sorted.get(i).name().equals(sorted.get(i - 1).name())) {
                        throw new IllegalArgumentException(
                                "duplicate moment '" + sorted.get(i).name() + "' for '" + param + "'");
                    }
                }
                copy.put(Objects.requireNonNull(param, "parameter name"), sorted);
            });
            momentsByParameter = Collections.unmodifiableMap(copy);
        }
    }

    /**
     * User properties saved with the checkpoint. A name may appear in only one of the maps (ORT
     * keeps a single namespace); integers are int64, floats float32.
     */
    public record PropertyBag(Map<String, Long> ints, Map<String, Float> floats, Map<String, String> strings) {

        public PropertyBag {
            ints = sortedCopy(ints);
            floats = sortedCopy(floats);
            strings = sortedCopy(strings);
            Set<String> names = new HashSet<>();
            for (Map<String, ?> map : List.of(ints, floats, strings)) {
                for (String name : map.keySet()) {
                    if (!names.add(name)) {
                        throw new IllegalArgumentException("property '" + name + "' is defined twice");
                    }
                }
            }
        }

        /** A bag without properties. */
        public static PropertyBag empty() {
            return new PropertyBag(Map.of(), Map.of(), Map.of());
        }

        private static <V> Map<String, V> sortedCopy(Map<String, V> map) {
            Map<String, V> copy = new TreeMap<>(NAME_ORDER);
            map.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "property name"),
                    Objects.requireNonNull(v, () -> "value of property '" + k + "'")));
            return Collections.unmodifiableMap(copy);
        }
    }

    // ---------------------------------------------------------------- files

    /** The external data file of {@code checkpoint}: {@code <checkpoint>.data} beside it. */
    public static Path externalDataFile(Path checkpoint) {
        return checkpoint.resolveSibling(checkpoint.getFileName() + EXTERNAL_DATA_SUFFIX);
    }

    /** The bytes of all tensor values: parameters and optimizer moments. */
    public long tensorBytes() {
        long bytes = 0;
        for (NamedArray t : tensors()) {
            bytes += (long) Float.BYTES * t.values().length;
        }
        return bytes;
    }

    /** Every tensor in the order the file stores them: trainable, frozen, then the moments by parameter. */
    List<NamedArray> tensors() {
        List<NamedArray> all = concat(trainable, frozen);
        if (optimizer != null) {
            optimizer.momentsByParameter().values().forEach(all::addAll);
        }
        return all;
    }

    /**
     * Writes the checkpoint atomically, its tensors in the external data file when they exceed
     * {@link #EXTERNAL_DATA_THRESHOLD} bytes (see {@link #write(Path, boolean)}).
     */
    public void write(Path file) {
        write(file, tensorBytes() > EXTERNAL_DATA_THRESHOLD);
    }

    /**
     * Writes the checkpoint, each file atomically (to a temporary file in the same directory, synced, renamed over the
     * target, the directory synced): with {@code externalData}, first the external data file and then the flatbuffer
     * that points into it; otherwise the flatbuffer alone, and a stale external data file beside it is removed.
     *
     * @throws ArtifactException if the checkpoint is too large or a file cannot be written
     */
    public void write(Path file, boolean externalData) {
        OrtCheckpointWriter.write(this, file, externalData);
    }

    /** The checkpoint file's bytes, every tensor inline. */
    public byte[] toBytes() {
        return OrtCheckpointWriter.inline(this);
    }

    /**
     * Reads a checkpoint file, and its external data file if it has one.
     *
     * @throws ArtifactException naming the file if it cannot be read, is not an ORT training checkpoint of version
     *                           2, is truncated or corrupt, or holds non-float tensors
     */
    public static OrtCheckpoint read(Path file) {
        return OrtCheckpointReader.read(file, true);
    }

    /**
     * Reads the parameters of a checkpoint file, leaving out the optimizer state (two moments per parameter, twice
     * the parameters' memory); errors as in {@link #read(Path)}.
     */
    public static OrtCheckpoint readParameters(Path file) {
        return OrtCheckpointReader.read(file, false);
    }

    /** Reads a checkpoint from its file bytes (tensors inline); errors as in {@link #read(Path)}. */
    public static OrtCheckpoint read(byte[] bytes) {
        return OrtCheckpointReader.read(bytes);
    }

    /** The bytes of the trainable parameters' values, from the file's tables alone (no value is read). */
    public static long trainableBytes(Path file) {
        return OrtCheckpointReader.trainableBytes(file);
    }

    /**
     * The name of the first parameter (trainable, then frozen) holding a NaN or an infinity, or {@code null} when
     * all are finite. Streams the values from the file (or its external data file) through a small buffer: memory
     * stays bounded whatever the checkpoint's size, and optimizer moments are not read.
     *
     * @throws ArtifactException naming the file if it cannot be read or is not a valid checkpoint
     */
    public static String firstNonFiniteParameter(Path file) {
        return OrtCheckpointReader.firstNonFiniteParameter(file);
    }

    // ---------------------------------------------------------------- helpers

    static List<NamedArray> sortedCopy(List<NamedArray> tensors, String what) {
        Objects.requireNonNull(tensors, what);
        List<NamedArray> copy = new ArrayList<>(tensors.size());
        for (NamedArray t : tensors) {
            copy.add(Objects.requireNonNull(t, () -> "null tensor in " + what));
        }
        copy.sort(BY_NAME);
        return List.copyOf(copy);
    }

    static List<NamedArray> concat(List<NamedArray> a, List<NamedArray> b) {
        List<NamedArray> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
