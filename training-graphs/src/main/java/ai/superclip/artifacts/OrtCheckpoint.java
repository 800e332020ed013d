package ai.superclip.artifacts;

import com.google.flatbuffers.FlatBufferBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * <p>Only float32 tensors are supported, stored inline ({@code raw_data}); nominal checkpoints and
 * checkpoints with an external data file are rejected. Tensor lists and map keys are kept sorted by
 * the UTF-8 bytes of their names, the order in which ONNX Runtime writes them.
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

    /** A flatbuffer addresses at most 2 GiB; ORT moves bigger checkpoints to an external file (unsupported here). */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    // Field slots (declaration order in ort_training_checkpoint.fbs and ort.fbs).
    private static final int CHECKPOINT_VERSION = 0;
    private static final int CHECKPOINT_MODULE_STATE = 1;
    private static final int CHECKPOINT_OPTIMIZER_GROUPS = 2;
    private static final int CHECKPOINT_PROPERTY_BAG = 3;
    private static final int MODULE_REQUIRES_GRAD = 0;
    private static final int MODULE_FROZEN = 1;
    private static final int MODULE_IS_NOMINAL = 2;
    private static final int MODULE_HAS_EXTERNAL_DATA = 3;
    private static final int GROUP_NAME = 0;
    private static final int GROUP_STEP = 1;
    private static final int GROUP_INITIAL_LR = 2;
    private static final int GROUP_STATES = 3;
    private static final int PARAM_STATE_NAME = 0;
    private static final int PARAM_STATE_MOMENTUMS = 1;
    private static final int BAG_INTS = 0;
    private static final int BAG_FLOATS = 1;
    private static final int BAG_STRINGS = 2;
    private static final int PROPERTY_NAME = 0;
    private static final int PROPERTY_VALUE = 1;
    private static final int TENSOR_NAME = 0;
    private static final int TENSOR_DIMS = 2;
    private static final int TENSOR_DATA_TYPE = 3;
    private static final int TENSOR_RAW_DATA = 4;
    private static final int TENSOR_EXTERNAL_DATA_OFFSET = 6;
    private static final int TENSOR_FIELDS = 7;

    private static final int DATA_TYPE_FLOAT = 1;
    private static final String[] DATA_TYPE_NAMES = {
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

    // ---------------------------------------------------------------- writing

    /**
     * Writes the checkpoint atomically: to a temporary file in the same directory, synced, then
     * renamed over {@code file}, then the directory is synced.
     *
     * @throws ArtifactException if the checkpoint is too large or the file cannot be written
     */
    public void write(Path file) {
        ByteBuffer data = build().dataBuffer().duplicate();
        try {
            AtomicFiles.write(file, out -> Channels.newChannel(out).write(data));
        } catch (IOException e) {
            throw new ArtifactException("cannot write ORT checkpoint " + file + ": " + e, e);
        }
    }

    /** The checkpoint file's bytes. */
    public byte[] toBytes() {
        return build().sizedByteArray();
    }

    private FlatBufferBuilder build() {
        // Allocate an upper bound of the size up front so that the builder never grows (copies) its buffer.
        long estimate = sizeBound();
        if (estimate > MAX_BYTES) {
            throw new ArtifactException("checkpoint needs about " + estimate + " bytes, more than a flatbuffer"
                    + " can hold (2 GiB); checkpoints with external data are not supported");
        }
        FlatBufferBuilder b = new FlatBufferBuilder((int) estimate);
        int moduleState = writeModuleState(b);
        int groups = b.createVectorOfTables(optimizer == null ? new int[0] : new int[] {writeOptimizer(b)});
        int bag = writePropertyBag(b);
        b.startTable(4);
        b.addInt(CHECKPOINT_VERSION, VERSION, 0);
        b.addOffset(CHECKPOINT_MODULE_STATE, moduleState, 0);
        b.addOffset(CHECKPOINT_OPTIMIZER_GROUPS, groups, 0);
        b.addOffset(CHECKPOINT_PROPERTY_BAG, bag, 0);
        b.finish(b.endTable(), FILE_IDENTIFIER);
        return b;
    }

    private long sizeBound() {
        List<NamedArray> tensors = concat(trainable, frozen);
        List<String> strings = new ArrayList<>();
        if (optimizer != null) {
            strings.add(optimizer.groupName());
            optimizer.momentsByParameter().forEach((param, moments) -> {
                strings.add(param);
                tensors.addAll(moments);
            });
        }
        strings.addAll(properties.ints().keySet());
        strings.addAll(properties.floats().keySet());
        strings.addAll(properties.strings().keySet());
        strings.addAll(properties.strings().values());
        long bound = 1024;
        for (NamedArray t : tensors) {
            bound += 4L * t.name().length() + 8L * t.shape().length + 4L * t.values().length + 128;
        }
        for (String string : strings) {
            bound += 4L * string.length() + 64;
        }
        return bound;
    }

    private int writeModuleState(FlatBufferBuilder b) {
        int requiresGrad = writeTensors(b, trainable);
        int frozenParams = writeTensors(b, frozen);
        b.startTable(4);
        b.addOffset(MODULE_REQUIRES_GRAD, requiresGrad, 0);
        b.addOffset(MODULE_FROZEN, frozenParams, 0);
        return b.endTable();
    }

    private int writeOptimizer(FlatBufferBuilder b) {
        List<Integer> states = new ArrayList<>();
        optimizer.momentsByParameter().forEach((param, moments) -> {
            int paramName = b.createString(param);
            int momentums = writeTensors(b, moments);
            b.startTable(2);
            b.addOffset(PARAM_STATE_NAME, paramName, 0);
            b.addOffset(PARAM_STATE_MOMENTUMS, momentums, 0);
            states.add(b.endTable());
        });
        int groupName = b.createString(optimizer.groupName());
        int statesVector = b.createVectorOfTables(states.stream().mapToInt(Integer::intValue).toArray());
        b.startTable(4);
        b.addOffset(GROUP_NAME, groupName, 0);
        b.addLong(GROUP_STEP, optimizer.step(), 0);
        b.addFloat(GROUP_INITIAL_LR, optimizer.initialLearningRate(), 0);
        b.addOffset(GROUP_STATES, statesVector, 0);
        return b.endTable();
    }

    private int writePropertyBag(FlatBufferBuilder b) {
        int[] ints = properties.ints().entrySet().stream().mapToInt(e -> {
            int name = b.createString(e.getKey());
            b.startTable(2);
            b.addOffset(PROPERTY_NAME, name, 0);
            b.addLong(PROPERTY_VALUE, e.getValue(), 0);
            return b.endTable();
        }).toArray();
        int[] floats = properties.floats().entrySet().stream().mapToInt(e -> {
            int name = b.createString(e.getKey());
            b.startTable(2);
            b.addOffset(PROPERTY_NAME, name, 0);
            b.addFloat(PROPERTY_VALUE, e.getValue(), 0);
            return b.endTable();
        }).toArray();
        int[] strings = properties.strings().entrySet().stream().mapToInt(e -> {
            int name = b.createString(e.getKey());
            int value = b.createString(e.getValue());
            b.startTable(2);
            b.addOffset(PROPERTY_NAME, name, 0);
            b.addOffset(PROPERTY_VALUE, value, 0);
            return b.endTable();
        }).toArray();
        int intsVector = b.createVectorOfTables(ints);
        int floatsVector = b.createVectorOfTables(floats);
        int stringsVector = b.createVectorOfTables(strings);
        b.startTable(3);
        b.addOffset(BAG_INTS, intsVector, 0);
        b.addOffset(BAG_FLOATS, floatsVector, 0);
        b.addOffset(BAG_STRINGS, stringsVector, 0);
        return b.endTable();
    }

    private static int writeTensors(FlatBufferBuilder b, List<NamedArray> tensors) {
        int[] offsets = new int[tensors.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = writeTensor(b, tensors.get(i));
        }
        return b.createVectorOfTables(offsets);
    }

    private static int writeTensor(FlatBufferBuilder b, NamedArray t) {
        int name = b.createString(t.name());
        long[] shape = t.shape();
        b.startVector(Long.BYTES, shape.length, Long.BYTES);
        for (int i = shape.length - 1; i >= 0; i--) {
            b.addLong(shape[i]);
        }
        int dims = b.endVector();
        b.createUnintializedVector(1, Float.BYTES * t.values().length, Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .put(t.values());
        int raw = b.endVector();
        b.startTable(TENSOR_FIELDS);
        b.addOffset(TENSOR_NAME, name, 0);
        b.addOffset(TENSOR_DIMS, dims, 0);
        b.addInt(TENSOR_DATA_TYPE, DATA_TYPE_FLOAT, 0);
        b.addOffset(TENSOR_RAW_DATA, raw, 0);
        return b.endTable();
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads a checkpoint file.
     *
     * @throws ArtifactException naming the file if it cannot be read, is not an ORT training
     *                           checkpoint of version 2, is truncated or corrupt, or holds
     *                           non-float tensors
     */
    public static OrtCheckpoint read(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new ArtifactException("ORT checkpoint " + file + " has " + size
                        + " bytes, more than a flatbuffer can hold (2 GiB)");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ArtifactException("cannot read ORT checkpoint " + file + ": " + e, e);
        }
        return parse(bytes, file.toString());
    }

    /**
     * The name of the first parameter (trainable, then frozen) holding a NaN or an infinity, or {@code null} when
     * all are finite. Streams the values from the file through a small buffer: memory stays bounded whatever the
     * checkpoint's size, and optimizer moments are not read.
     *
     * @throws ArtifactException naming the file if it cannot be read or is not a valid checkpoint
     */
    public static String firstNonFiniteParameter(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > MAX_BYTES) {
                throw new ArtifactException("ORT checkpoint " + file + " has " + size
                        + " bytes, more than a flatbuffer can hold (2 GiB)");
            }
            // The structure is read through a mapping (only the pages of the small tables are touched);
            // the tensor values are streamed by positional reads, so they never become resident here.
            Reader reader = new Reader(channel.map(FileChannel.MapMode.READ_ONLY, 0, size), file.toString());
            return reader.firstNonFiniteParameter(channel);
        } catch (IOException e) {
            throw new ArtifactException("cannot read ORT checkpoint " + file + ": " + e, e);
        }
    }

    /** Reads a checkpoint from its file bytes; errors as in {@link #read(Path)}. */
    public static OrtCheckpoint read(byte[] bytes) {
        return parse(bytes, "(in memory)");
    }

    private static OrtCheckpoint parse(byte[] bytes, String source) {
        Reader reader = new Reader(bytes, source);
        try {
            return reader.checkpoint();
        } catch (ArtifactException e) {
            throw e;
        } catch (RuntimeException e) {
            // Invalid content the explicit checks let through, e.g. a moment for an unknown parameter.
            throw new ArtifactException("ORT checkpoint " + source + " is invalid: " + e.getMessage(), e);
        }
    }

    /** Navigates the flatbuffer with every offset checked against the buffer's bounds. */
    private static final class Reader {
        private final ByteBuffer buf;
        private final String source;
        private long tensorBytesRead;

        /** A table: its position, its vtable's position and size, and its inline size. */
        private record Table(int pos, int vtable, int vtableSize, int size, String what) {}

        /** A vector: the position of its first element and its length. */
        private record Vector(int start, int length) {}

        Reader(byte[] bytes, String source) {
            this(ByteBuffer.wrap(bytes), source);
        }

        Reader(ByteBuffer buffer, String source) {
            this.buf = buffer.order(ByteOrder.LITTLE_ENDIAN);
            this.source = source;
        }

        OrtCheckpoint checkpoint() {
            Table root = rootTable();
            Table module = moduleState(root);
            List<NamedArray> trainable = List.of();
            List<NamedArray> frozen = List.of();
            if (module != null) {
                trainable = tensors(requiredTables(module, MODULE_REQUIRES_GRAD, "trainable parameter list"),
                        "trainable parameter");
                frozen = tensors(requiredTables(module, MODULE_FROZEN, "frozen parameter list"), "frozen parameter");
            }
            return new OrtCheckpoint(trainable, frozen, optimizer(root), propertyBag(root));
        }

        String firstNonFiniteParameter(FileChannel channel) throws IOException {
            Table module = moduleState(rootTable());
            if (module == null) {
                return null;
            }
            ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (int slot : new int[] {MODULE_REQUIRES_GRAD, MODULE_FROZEN}) {
                for (Table t : requiredTables(module, slot, "parameter list")) {
                    RawTensor tensor = rawTensor(t, "parameter");
                    if (tensor.data() != null && !allFinite(channel, tensor.data(), chunk)) {
                        return tensor.name();
                    }
                }
            }
            return null;
        }

        private static boolean allFinite(FileChannel channel, Vector data, ByteBuffer chunk) throws IOException {
            long position = data.start();
            long end = position + data.length();
            while (position < end) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), end - position));
                while (chunk.hasRemaining()) {
                    if (channel.read(chunk, position + chunk.position()) < 0) {
                        throw new IOException("unexpected end of file at byte " + (position + chunk.position()));
                    }
                }
                FloatBuffer values = chunk.flip().asFloatBuffer();
                for (int i = 0; i < values.limit(); i++) {
                    if (!Float.isFinite(values.get(i))) {
                        return false;
                    }
                }
                position += chunk.limit();
            }
            return true;
        }

        /** The root table, after checking the header, identifier and version. */
        private Table rootTable() {
            if (buf.limit() < 8) {
                throw corrupt("it has " + buf.limit() + " bytes, fewer than a flatbuffer header (8)");
            }
            byte[] identifier = new byte[4];
            buf.get(4, identifier);
            if (!Arrays.equals(identifier, FILE_IDENTIFIER.getBytes(StandardCharsets.US_ASCII))) {
                throw new ArtifactException("ORT checkpoint " + source + " has file identifier '" + printable(identifier)
                        + "', expected '" + FILE_IDENTIFIER + "': not an ONNX Runtime training checkpoint");
            }
            Table root = table(indirect(0, "root table offset"), "checkpoint table");
            int version = intField(root, CHECKPOINT_VERSION, 0);
            if (version != VERSION) {
                throw new ArtifactException("ORT checkpoint " + source + " has version " + version
                        + "; only version " + VERSION + " is supported");
            }
            return root;
        }

        /** The module state (the parameters), or null when the checkpoint has none. */
        private Table moduleState(Table root) {
            Table module = subTable(root, CHECKPOINT_MODULE_STATE, "module state");
            if (module != null) {
                if (bool(module, MODULE_IS_NOMINAL)) {
                    throw unsupported("is a nominal checkpoint (parameters without values)");
                }
                if (bool(module, MODULE_HAS_EXTERNAL_DATA)) {
                    throw unsupported("keeps its tensors in an external data file");
                }
            }
            return module;
        }

        private OptimizerState optimizer(Table root) {
            List<Table> groups = tables(root, CHECKPOINT_OPTIMIZER_GROUPS, "optimizer group list");
            if (groups == null || groups.isEmpty()) {
                return null;
            }
            if (groups.size() > 1) {
                throw unsupported("has " + groups.size() + " optimizer groups; only one is supported");
            }
            Table group = groups.get(0);
            String groupName = requiredString(group, GROUP_NAME, "optimizer group name");
            long step = longField(group, GROUP_STEP, 0);
            float initialLr = floatField(group, GROUP_INITIAL_LR, 0f);
            Map<String, List<NamedArray>> moments = new HashMap<>();
            for (Table state : requiredTables(group, GROUP_STATES, "optimizer state list")) {
                String param = requiredString(state, PARAM_STATE_NAME, "optimizer state parameter name");
                List<NamedArray> tensors = tensors(requiredTables(state, PARAM_STATE_MOMENTUMS,
                        "momentum list of '" + param + "'"), "momentum of '" + param + "'");
                if (moments.put(param, tensors) != null) {
                    throw corrupt("parameter '" + param + "' has two optimizer states");
                }
            }
            return new OptimizerState(groupName, step, initialLr, moments);
        }

        private PropertyBag propertyBag(Table root) {
            Table bag = subTable(root, CHECKPOINT_PROPERTY_BAG, "property bag");
            Map<String, Long> ints = new HashMap<>();
            Map<String, Float> floats = new HashMap<>();
            Map<String, String> strings = new HashMap<>();
            if (bag != null) {
                for (Table p : optional(tables(bag, BAG_INTS, "int property list"))) {
                    put(ints, requiredString(p, PROPERTY_NAME, "int property name"),
                            longField(p, PROPERTY_VALUE, 0));
                }
                for (Table p : optional(tables(bag, BAG_FLOATS, "float property list"))) {
                    put(floats, requiredString(p, PROPERTY_NAME, "float property name"),
                            floatField(p, PROPERTY_VALUE, 0f));
                }
                for (Table p : optional(tables(bag, BAG_STRINGS, "string property list"))) {
                    String name = requiredString(p, PROPERTY_NAME, "string property name");
                    put(strings, name, requiredString(p, PROPERTY_VALUE, "value of string property '" + name + "'"));
                }
            }
            return new PropertyBag(ints, floats, strings);
        }

        private <V> void put(Map<String, V> map, String name, V value) {
            if (map.put(name, value) != null) {
                throw corrupt("property '" + name + "' appears twice");
            }
        }

        private List<NamedArray> tensors(List<Table> tables, String role) {
            List<NamedArray> tensors = new ArrayList<>(tables.size());
            for (Table t : tables) {
                tensors.add(tensor(t, role));
            }
            return tensors;
        }

        /** A float tensor's name, shape and the place of its raw data (null when it has no elements). */
        private record RawTensor(String name, long[] shape, Vector data) {}

        private NamedArray tensor(Table t, String role) {
            RawTensor raw = rawTensor(t, role);
            tensorBytesRead += raw.data() == null ? 0 : raw.data().length();
            if (tensorBytesRead > buf.limit()) {
                throw corrupt("tensor data is referenced more than once");
            }
            float[] values = new float[(int) NamedArray.elementCount(raw.shape())];
            if (raw.data() != null) {
                buf.slice(raw.data().start(), raw.data().length()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                        .get(values);
            }
            return new NamedArray(raw.name(), raw.shape(), values);
        }

        /** Checks a tensor table (float, inline, raw_data matching its dims) without reading its values. */
        private RawTensor rawTensor(Table t, String role) {
            String name = requiredString(t, TENSOR_NAME, role + " name");
            String what = role + " '" + name + "'";
            int dataType = intField(t, TENSOR_DATA_TYPE, 0);
            if (dataType != DATA_TYPE_FLOAT) {
                String typeName = dataType >= 0 && dataType < DATA_TYPE_NAMES.length
                        ? DATA_TYPE_NAMES[dataType] : "unknown";
                throw unsupported("has " + what + " of data type " + typeName + " (" + dataType
                        + "); only FLOAT (1) tensors are supported");
            }
            if (longField(t, TENSOR_EXTERNAL_DATA_OFFSET, -1) != -1) {
                throw unsupported("keeps " + what + " in an external data file");
            }
            Vector dims = vector(t, TENSOR_DIMS, Long.BYTES, what + " dims");
            if (dims == null) {
                throw corrupt(what + " has no dims");
            }
            long[] shape = new long[dims.length()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = buf.getLong(dims.start() + Long.BYTES * i);
            }
            long count = NamedArray.elementCount(shape);
            if (count < 0) {
                throw corrupt(what + " has invalid dims " + Arrays.toString(shape));
            }
            Vector raw = vector(t, TENSOR_RAW_DATA, 1, what + " raw_data");
            int rawLength = raw == null ? 0 : raw.length();
            if (rawLength != Float.BYTES * count) {
                throw corrupt(what + " has " + rawLength + " bytes of raw_data, expected " + Float.BYTES * count
                        + " for FLOAT dims " + Arrays.toString(shape));
            }
            return new RawTensor(name, shape, raw);
        }

        // ------------------------------------------------------------ checked flatbuffer access

        private Table table(int pos, String what) {
            require(pos, Integer.BYTES, what);
            long vtable = (long) pos - buf.getInt(pos);
            require(vtable, 2 * Short.BYTES, what + " vtable");
            int vtableSize = Short.toUnsignedInt(buf.getShort((int) vtable));
            int size = Short.toUnsignedInt(buf.getShort((int) vtable + Short.BYTES));
            if (vtableSize < 4 || vtableSize % 2 != 0 || size < Integer.BYTES) {
                throw corrupt(what + " has a malformed vtable at byte " + vtable);
            }
            require(vtable, vtableSize, what + " vtable");
            require(pos, size, what);
            return new Table(pos, (int) vtable, vtableSize, size, what);
        }

        /** The position of a field's inline value, or -1 if the table does not store it (the default applies). */
        private int field(Table t, int slot, int width) {
            int entry = 4 + 2 * slot;
            if (entry + Short.BYTES > t.vtableSize()) {
                return -1;
            }
            int offset = Short.toUnsignedInt(buf.getShort(t.vtable() + entry));
            if (offset == 0) {
                return -1;
            }
            if (offset + width > t.size()) {
                throw corrupt(t.what() + " field " + slot + " lies outside its table");
            }
            return t.pos() + offset;
        }

        private int intField(Table t, int slot, int absent) {
            int pos = field(t, slot, Integer.BYTES);
            return pos < 0 ? absent : buf.getInt(pos);
        }

        private long longField(Table t, int slot, long absent) {
            int pos = field(t, slot, Long.BYTES);
            return pos < 0 ? absent : buf.getLong(pos);
        }

        private float floatField(Table t, int slot, float absent) {
            int pos = field(t, slot, Float.BYTES);
            return pos < 0 ? absent : buf.getFloat(pos);
        }

        private boolean bool(Table t, int slot) {
            int pos = field(t, slot, 1);
            return pos >= 0 && buf.get(pos) != 0;
        }

        private int indirect(int pos, String what) {
            require(pos, Integer.BYTES, what);
            long target = pos + Integer.toUnsignedLong(buf.getInt(pos));
            require(target, Integer.BYTES, what + " target");
            return (int) target;
        }

        private Table subTable(Table t, int slot, String what) {
            int pos = field(t, slot, Integer.BYTES);
            return pos < 0 ? null : table(indirect(pos, what), what);
        }

        private Vector vector(Table t, int slot, int elementSize, String what) {
            int pos = field(t, slot, Integer.BYTES);
            if (pos < 0) {
                return null;
            }
            int start = indirect(pos, what);
            long length = Integer.toUnsignedLong(buf.getInt(start));
            require(start + 4L, length * elementSize, what);
            return new Vector(start + 4, (int) length);
        }

        private List<Table> tables(Table t, int slot, String what) {
            Vector v = vector(t, slot, Integer.BYTES, what);
            if (v == null) {
                return null;
            }
            List<Table> tables = new ArrayList<>(v.length());
            for (int i = 0; i < v.length(); i++) {
                String element = what + " element " + i;
                tables.add(table(indirect(v.start() + Integer.BYTES * i, element), element));
            }
            return tables;
        }

        private List<Table> requiredTables(Table t, int slot, String what) {
            List<Table> tables = tables(t, slot, what);
            if (tables == null) {
                throw corrupt("the " + what + " is missing");
            }
            return tables;
        }

        private static List<Table> optional(List<Table> tables) {
            return tables == null ? List.of() : tables;
        }

        private String requiredString(Table t, int slot, String what) {
            Vector v = vector(t, slot, 1, what);
            if (v == null) {
                throw corrupt("the " + what + " is missing");
            }
            require(v.start(), v.length() + 1L, what);
            if (buf.get(v.start() + v.length()) != 0) {
                throw corrupt("the " + what + " is not zero-terminated");
            }
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder().decode(buf.slice(v.start(), v.length()));
                return chars.toString();
            } catch (CharacterCodingException e) {
                throw corrupt("the " + what + " is not valid UTF-8");
            }
        }

        private void require(long pos, long length, String what) {
            if (pos < 0 || length < 0 || pos + length > buf.limit()) {
                throw corrupt("the " + what + " (bytes " + pos + " to " + (pos + length) + ") lies outside the "
                        + buf.limit() + "-byte file; it is truncated or corrupt");
            }
        }

        private ArtifactException corrupt(String detail) {
            return new ArtifactException("ORT checkpoint " + source + " is corrupt: " + detail);
        }

        private ArtifactException unsupported(String detail) {
            return new ArtifactException("ORT checkpoint " + source + " " + detail);
        }

        private static String printable(byte[] bytes) {
            StringBuilder s = new StringBuilder();
            for (byte b : bytes) {
                s.append(b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff));
            }
            return s.toString();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static List<NamedArray> sortedCopy(List<NamedArray> tensors, String what) {
        Objects.requireNonNull(tensors, what);
        List<NamedArray> copy = new ArrayList<>(tensors.size());
        for (NamedArray t : tensors) {
            copy.add(Objects.requireNonNull(t, () -> "null tensor in " + what));
        }
        copy.sort(BY_NAME);
        return List.copyOf(copy);
    }

    private static List<NamedArray> concat(List<NamedArray> a, List<NamedArray> b) {
        List<NamedArray> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
