package ai.superclip.artifacts;

import static ai.superclip.artifacts.OrtCheckpoint.BAG_FLOATS;
import static ai.superclip.artifacts.OrtCheckpoint.BAG_INTS;
import static ai.superclip.artifacts.OrtCheckpoint.BAG_STRINGS;
import static ai.superclip.artifacts.OrtCheckpoint.CHECKPOINT_MODULE_STATE;
import static ai.superclip.artifacts.OrtCheckpoint.CHECKPOINT_OPTIMIZER_GROUPS;
import static ai.superclip.artifacts.OrtCheckpoint.CHECKPOINT_PROPERTY_BAG;
import static ai.superclip.artifacts.OrtCheckpoint.CHECKPOINT_VERSION;
import static ai.superclip.artifacts.OrtCheckpoint.DATA_TYPE_FLOAT;
import static ai.superclip.artifacts.OrtCheckpoint.DATA_TYPE_NAMES;
import static ai.superclip.artifacts.OrtCheckpoint.FILE_IDENTIFIER;
import static ai.superclip.artifacts.OrtCheckpoint.GROUP_INITIAL_LR;
import static ai.superclip.artifacts.OrtCheckpoint.GROUP_NAME;
import static ai.superclip.artifacts.OrtCheckpoint.GROUP_STATES;
import static ai.superclip.artifacts.OrtCheckpoint.GROUP_STEP;
import static ai.superclip.artifacts.OrtCheckpoint.MODULE_FROZEN;
import static ai.superclip.artifacts.OrtCheckpoint.MODULE_IS_NOMINAL;
import static ai.superclip.artifacts.OrtCheckpoint.MODULE_REQUIRES_GRAD;
import static ai.superclip.artifacts.OrtCheckpoint.PARAM_STATE_MOMENTUMS;
import static ai.superclip.artifacts.OrtCheckpoint.PARAM_STATE_NAME;
import static ai.superclip.artifacts.OrtCheckpoint.PROPERTY_NAME;
import static ai.superclip.artifacts.OrtCheckpoint.PROPERTY_VALUE;
import static ai.superclip.artifacts.OrtCheckpoint.TENSOR_DATA_TYPE;
import static ai.superclip.artifacts.OrtCheckpoint.TENSOR_DIMS;
import static ai.superclip.artifacts.OrtCheckpoint.TENSOR_EXTERNAL_DATA_OFFSET;
import static ai.superclip.artifacts.OrtCheckpoint.TENSOR_NAME;
import static ai.superclip.artifacts.OrtCheckpoint.TENSOR_RAW_DATA;
import static ai.superclip.artifacts.OrtCheckpoint.VERSION;

import ai.superclip.artifacts.OrtCheckpoint.OptimizerState;
import ai.superclip.artifacts.OrtCheckpoint.PropertyBag;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an {@link OrtCheckpoint}, navigating the flatbuffer with every offset checked against the file's bounds and
 * every external tensor against its data file's. The flatbuffer is mapped, not copied onto the heap; values are
 * read straight into their arrays.
 */
final class OrtCheckpointReader {
    private static final int CHUNK_BYTES = 1 << 20;

    private final ByteBuffer buf;
    private final String source;
    /** The checkpoint file, for streaming inline values; null when reading bytes in memory. */
    private final FileChannel file;
    /** The external data file, or null when there is none. */
    private final FileChannel data;
    private final Path dataFile;
    private long inlineBytesRead;
    private long externalBytesRead;
    private ByteBuffer chunk;

    /** A table: its position, its vtable's position and size, and its inline size. */
    private record Table(int pos, int vtable, int vtableSize, int size, String what) {}

    /** A vector: the position of its first element and its length. */
    private record Vector(int start, int length) {}

    /** What to do with an open checkpoint. */
    private interface Body<T> {
        T apply(OrtCheckpointReader reader) throws IOException;
    }

    private OrtCheckpointReader(ByteBuffer buffer, String source, FileChannel file, FileChannel data, Path dataFile) {
        this.buf = buffer.order(ByteOrder.LITTLE_ENDIAN);
        this.source = source;
        this.file = file;
        this.data = data;
        this.dataFile = dataFile;
    }

    static OrtCheckpoint read(Path file, boolean withOptimizer) {
        return open(file, reader -> reader.checkpoint(withOptimizer));
    }

    static OrtCheckpoint read(byte[] bytes) {
        OrtCheckpointReader reader = new OrtCheckpointReader(ByteBuffer.wrap(bytes), "(in memory)", null, null, null);
        try {
            return reader.guarded(r -> r.checkpoint(true));
        } catch (IOException e) {
            throw new IllegalStateException("reading bytes in memory does no I/O", e);
        }
    }

    static String firstNonFiniteParameter(Path file) {
        return open(file, OrtCheckpointReader::firstNonFiniteParameter);
    }

    static long trainableBytes(Path file) {
        return open(file, reader -> {
            Table module = reader.moduleState(reader.rootTable());
            long bytes = 0;
            if (module != null) {
                for (Table t : reader.requiredTables(module, MODULE_REQUIRES_GRAD, "trainable parameter list")) {
                    bytes += reader.rawTensor(t, "trainable parameter").length();
                }
            }
            return bytes;
        });
    }

    /** Opens the checkpoint and its external data file (if there is one) for {@code body}. */
    private static <T> T open(Path path, Body<T> body) {
        Path dataFile = OrtCheckpoint.externalDataFile(path);
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.READ);
                FileChannel data = Files.exists(dataFile) ? FileChannel.open(dataFile, StandardOpenOption.READ) : null) {
            long size = file.size();
            if (size > OrtCheckpoint.MAX_BYTES) {
                throw new ArtifactException("ORT checkpoint " + path + " has " + size
                        + " bytes, more than a flatbuffer can hold (2 GiB)");
            }
            // Mapped, the structure costs only the pages of the small tables; values are copied out once.
            OrtCheckpointReader reader = new OrtCheckpointReader(file.map(FileChannel.MapMode.READ_ONLY, 0, size),
                    path.toString(), file, data, dataFile);
            return reader.guarded(body);
        } catch (IOException e) {
            throw new ArtifactException("cannot read ORT checkpoint " + path + ": " + e, e);
        }
    }

    /** Runs {@code body}, turning invalid content the explicit checks let through into an error naming the file. */
    private <T> T guarded(Body<T> body) throws IOException {
        try {
            return body.apply(this);
        } catch (ArtifactException e) {
            throw e;
        } catch (RuntimeException e) { // e.g. a moment for an unknown parameter
            throw new ArtifactException("ORT checkpoint " + source + " is invalid: " + e.getMessage(), e);
        }
    }

    private OrtCheckpoint checkpoint(boolean withOptimizer) throws IOException {
        Table root = rootTable();
        Table module = moduleState(root);
        List<NamedArray> trainable = List.of();
        List<NamedArray> frozen = List.of();
        if (module != null) {
            trainable = tensors(requiredTables(module, MODULE_REQUIRES_GRAD, "trainable parameter list"),
                    "trainable parameter");
            frozen = tensors(requiredTables(module, MODULE_FROZEN, "frozen parameter list"), "frozen parameter");
        }
        return new OrtCheckpoint(trainable, frozen, withOptimizer ? optimizer(root) : null, propertyBag(root));
    }

    private String firstNonFiniteParameter() throws IOException {
        Table module = moduleState(rootTable());
        if (module == null) {
            return null;
        }
        for (int slot : new int[] {MODULE_REQUIRES_GRAD, MODULE_FROZEN}) {
            for (Table t : requiredTables(module, slot, "parameter list")) {
                RawTensor tensor = rawTensor(t, "parameter");
                if (!allFinite(tensor.external() ? data : file, tensor.start(), tensor.length())) {
                    return tensor.name();
                }
            }
        }
        return null;
    }

    /** Streams {@code length} bytes of floats from {@code channel} through a small buffer, stopping at a non-finite. */
    private boolean allFinite(FileChannel channel, long start, long length) throws IOException {
        long end = start + length;
        for (long position = start; position < end;) {
            FloatBuffer values = readChunk(channel, position, end);
            for (int i = 0; i < values.limit(); i++) {
                if (!Float.isFinite(values.get(i))) {
                    return false;
                }
            }
            position += (long) Float.BYTES * values.limit();
        }
        return true;
    }

    private void readFloats(FileChannel channel, long start, float[] values) throws IOException {
        long end = start + (long) Float.BYTES * values.length;
        int filled = 0;
        for (long position = start; position < end;) {
            FloatBuffer chunkValues = readChunk(channel, position, end);
            int n = chunkValues.limit();
            chunkValues.get(values, filled, n);
            filled += n;
            position += (long) Float.BYTES * n;
        }
    }

    /** Reads the bytes from {@code position} up to {@code end} or a chunk's worth, whichever is less. */
    private FloatBuffer readChunk(FileChannel channel, long position, long end) throws IOException {
        if (chunk == null) {
            chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }
        chunk.clear().limit((int) Math.min(chunk.capacity(), end - position));
        while (chunk.hasRemaining()) {
            if (channel.read(chunk, position + chunk.position()) < 0) {
                throw new IOException("unexpected end of file at byte " + (position + chunk.position()));
            }
        }
        return chunk.flip().asFloatBuffer();
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
        if (module != null && bool(module, MODULE_IS_NOMINAL)) {
            throw unsupported("is a nominal checkpoint (parameters without values)");
        }
        return module;
    }

    private OptimizerState optimizer(Table root) throws IOException {
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

    private List<NamedArray> tensors(List<Table> tables, String role) throws IOException {
        List<NamedArray> tensors = new ArrayList<>(tables.size());
        for (Table t : tables) {
            tensors.add(tensor(t, role));
        }
        return tensors;
    }

    /** A float tensor's name, shape and where its values lie: in this file, or in the external data file. */
    private record RawTensor(String name, long[] shape, long start, long length, boolean external) {}

    private NamedArray tensor(Table t, String role) throws IOException {
        RawTensor raw = rawTensor(t, role);
        float[] values = new float[(int) NamedArray.elementCount(raw.shape())];
        if (raw.external()) {
            externalBytesRead += raw.length();
            if (externalBytesRead > data.size()) {
                throw corrupt("external data is referenced more than once");
            }
            readFloats(data, raw.start(), values);
        } else {
            inlineBytesRead += raw.length();
            if (inlineBytesRead > buf.limit()) {
                throw corrupt("tensor data is referenced more than once");
            }
            buf.slice((int) raw.start(), (int) raw.length()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        }
        return new NamedArray(raw.name(), raw.shape(), values);
    }

    /**
     * Checks a tensor table (float, its dims matching its raw_data or, for a tensor in the external data file, lying
     * within that file) without reading its values.
     */
    private RawTensor rawTensor(Table t, String role) throws IOException {
        String name = requiredString(t, TENSOR_NAME, role + " name");
        String what = role + " '" + name + "'";
        int dataType = intField(t, TENSOR_DATA_TYPE, 0);
        if (dataType != DATA_TYPE_FLOAT) {
            String typeName = dataType >= 0 && dataType < DATA_TYPE_NAMES.length
                    ? DATA_TYPE_NAMES[dataType] : "unknown";
            throw unsupported("has " + what + " of data type " + typeName + " (" + dataType
                    + "); only FLOAT (1) tensors are supported");
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
        long bytes = Float.BYTES * count;
        long offset = longField(t, TENSOR_EXTERNAL_DATA_OFFSET, -1);
        if (offset != -1) {
            if (dataFile == null) {
                throw unsupported("keeps " + what + " in an external data file; read the checkpoint from its file");
            }
            if (data == null) {
                throw unsupported("keeps " + what + " in its external data file " + dataFile + ", which is missing");
            }
            if (offset < 0 || offset > data.size() - bytes) {
                throw corrupt(what + " lies at bytes " + offset + " to " + (offset + bytes) + " of the external data"
                        + " file " + dataFile + ", which has " + data.size() + " bytes; it is truncated or corrupt");
            }
            return new RawTensor(name, shape, offset, bytes, true);
        }
        Vector raw = vector(t, TENSOR_RAW_DATA, 1, what + " raw_data");
        int rawLength = raw == null ? 0 : raw.length();
        if (rawLength != bytes) {
            throw corrupt(what + " has " + rawLength + " bytes of raw_data, expected " + bytes
                    + " for FLOAT dims " + Arrays.toString(shape));
        }
        return new RawTensor(name, shape, raw == null ? 0 : raw.start(), rawLength, false);
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
