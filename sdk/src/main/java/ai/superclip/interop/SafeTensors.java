package ai.superclip.interop;

import ai.superclip.artifacts.AtomicFiles;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A safetensors file (Hugging Face's format): an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * {@code {name: {"dtype", "shape", "data_offsets": [begin, end)}}} with offsets relative to the end of the
 * header and an optional {@value #METADATA} string map, then the raw little-endian C-order data.
 *
 * <p>{@link #read} checks the whole header before anything is used (header within the file and at most
 * {@value #MAX_HEADER} bytes, known dtypes, unique names, offsets inside the data and not overlapping, byte
 * ranges equal to shape × element size) and memory-maps each tensor, so a large file is not copied onto the
 * heap; {@link #floats} decodes one tensor to float32 when asked.
 */
public final class SafeTensors {
    /** The largest header accepted, as in the reference implementation. */
    public static final long MAX_HEADER = 100_000_000L;
    /** The header key of the optional string-to-string metadata. */
    public static final String METADATA = "__metadata__";
    private static final Pattern DUPLICATE = Pattern.compile("^Duplicate field '(.*)'$");
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** One tensor's header entry; {@code begin} and {@code end} are byte offsets into the data section. */
    public record Entry(String name, TensorType type, long[] shape, long begin, long end) {
        /** The element count. */
        public long elements() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }
    }

    /**
     * A tensor to write: {@code length} values, element i being {@code element.applyAsDouble(i)}, stored as
     * {@code type} (one of the floating-point types).
     */
    public record Tensor(String name, TensorType type, long[] shape, int length, IntToDoubleFunction element) {
        /** float32 values stored as {@code type}. */
        public Tensor(String name, TensorType type, long[] shape, float[] values) {
            this(name, type, shape, values.length, i -> values[i]);
        }

        /** float64 values stored exactly, as F64 (e.g. SuperCLIP's IDF buffers). */
        public static Tensor ofDoubles(String name, long[] shape, double[] values) {
            return new Tensor(name, TensorType.F64, shape, values.length, i -> values[i]);
        }
    }

    private final Path file;
    private final Map<String, Entry> entries;
    private final Map<String, ByteBuffer> data;
    private final Map<String, String> metadata;

    private SafeTensors(Path file, Map<String, Entry> entries, Map<String, ByteBuffer> data,
            Map<String, String> metadata) {
        this.file = file;
        this.entries = Collections.unmodifiableMap(entries);
        this.data = data;
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Reads and checks the header of {@code file} and maps its tensors. */
    public static SafeTensors read(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw error(file, null, "has " + size + " bytes, fewer than the 8 of the header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength < 0 || headerLength > MAX_HEADER) {
                throw error(file, null, "declares a header of " + Long.toUnsignedString(headerLength)
                        + " bytes; at most " + MAX_HEADER + " are allowed");
            }
            if (8 + headerLength > size) {
                throw error(file, null, "declares a header of " + headerLength + " bytes but has only " + (size - 8)
                        + " after the length");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBytes, 8);
            long dataStart = 8 + headerLength;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, Entry> entries = parseHeader(file, headerBytes.array(), size - dataStart, metadata);
            Map<String, ByteBuffer> data = new LinkedHashMap<>();
            for (Entry e : entries.values()) {
                long length = e.end() - e.begin();
                ByteBuffer buffer = length == 0 ? ByteBuffer.allocate(0)
                        : channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), length);
                data.put(e.name(), buffer.order(ByteOrder.LITTLE_ENDIAN));
            }
            return new SafeTensors(file, entries, data, metadata);
        } catch (IOException e) {
            throw new InteropException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, Entry> parseHeader(Path file, byte[] header, long dataSize,
            Map<String, String> metadata) {
        JsonNode root;
        try {
            root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            Matcher duplicate = DUPLICATE.matcher(e.getOriginalMessage());
            if (duplicate.find()) {
                throw error(file, duplicate.group(1), "appears twice in the header");
            }
            throw error(file, null, "has a header that is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw error(file, null, "has a header that is not a JSON object");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals(METADATA)) {
                readMetadata(file, field.getValue(), metadata);
            } else {
                entries.put(field.getKey(), entry(file, field.getKey(), field.getValue(), dataSize));
            }
        }
        List<Entry> byOffset = new ArrayList<>(entries.values());
        byOffset.removeIf(e -> e.begin() == e.end());
        byOffset.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < byOffset.size(); i++) {
            Entry before = byOffset.get(i - 1);
            Entry e = byOffset.get(i);
            if (e.begin() < before.end()) {
                throw error(file, e.name(), "has bytes [" + e.begin() + ", " + e.end() + ") overlapping those of '"
                        + before.name() + "' [" + before.begin() + ", " + before.end() + ")");
            }
        }
        return entries;
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> metadata) {
        if (!node.isObject()) {
            throw error(file, null, "has " + METADATA + " that is not an object of strings");
        }
        node.fields().forEachRemaining(f -> {
            if (!f.getValue().isTextual()) {
                throw error(file, null, "has " + METADATA + " entry '" + f.getKey() + "' that is not a string");
            }
            metadata.put(f.getKey(), f.getValue().textValue());
        });
    }

    private static Entry entry(Path file, String name, JsonNode node, long dataSize) {
        JsonNode dtype = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (!node.isObject() || dtype == null || !dtype.isTextual() || shapeNode == null || !shapeNode.isArray()
                || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw error(file, name, "needs \"dtype\" (a string), \"shape\" (an array) and \"data_offsets\" [begin, end]");
        }
        TensorType type;
        try {
            type = TensorType.valueOf(dtype.textValue());
        } catch (IllegalArgumentException e) {
            throw error(file, name, "has unknown dtype '" + dtype.textValue() + "'; known: "
                    + Arrays.toString(TensorType.values()));
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegative(file, name, "shape", shapeNode.get(i));
        }
        long begin = nonNegative(file, name, "data_offsets", offsets.get(0));
        long end = nonNegative(file, name, "data_offsets", offsets.get(1));
        if (begin > end || end > dataSize) {
            throw error(file, name, "has data_offsets [" + begin + ", " + end + ") outside the " + dataSize
                    + " bytes of data");
        }
        Entry e = new Entry(name, type, shape, begin, end);
        long expected;
        try {
            expected = Math.multiplyExact(e.elements(), type.bytes());
        } catch (ArithmeticException overflow) {
            throw error(file, name, "has a shape " + Arrays.toString(shape) + " too large to address");
        }
        if (expected != end - begin) {
            throw error(file, name, "has shape " + Arrays.toString(shape) + " of " + type + " (" + expected
                    + " bytes) but data_offsets span " + (end - begin) + " bytes");
        }
        return e;
    }

    private static long nonNegative(Path file, String name, String field, JsonNode n) {
        if (n == null || !n.canConvertToExactIntegral() || !n.canConvertToLong() || n.longValue() < 0) {
            throw error(file, name, "has " + field + " entry " + n + " that is not a non-negative integer");
        }
        return n.longValue();
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static InteropException error(Path file, String tensor, String problem) {
        return new InteropException(file + (tensor == null ? "" : ": tensor '" + tensor + "'") + " " + problem);
    }

    public Path file() {
        return file;
    }

    /** The {@value #METADATA} map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor's entry by name, in header order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** The entry of {@code name}; fails naming the file when there is none. */
    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw error(file, name, "is missing");
        }
        return e;
    }

    /** Tensor {@code name} as float32, C order (F16 and BF16 exactly, F64 rounded to nearest). */
    public float[] floats(String name) {
        Entry e = entry(name);
        if (!e.type().isFloat()) {
            throw error(file, name, "is " + e.type() + ", not a floating-point tensor");
        }
        if (e.elements() > Integer.MAX_VALUE - 8) {
            throw error(file, name, "has " + e.elements() + " elements, more than one Java array holds");
        }
        ByteBuffer bytes = data.get(name);
        float[] values = new float[(int) e.elements()];
        if (e.type() == TensorType.F32) {
            bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        } else {
            for (int i = 0; i < values.length; i++) {
                values[i] = e.type().read(bytes, i);
            }
        }
        return values;
    }

    /** Tensor {@code name} widened to float64 (F64 exactly): for statistics such as SuperCLIP's IDF counts. */
    public double[] doubles(String name) {
        Entry e = entry(name);
        if (e.type() != TensorType.F64) {
            float[] f = floats(name);
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
        double[] values = new double[Math.toIntExact(e.elements())];
        data.get(name).duplicate().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(values);
        return values;
    }

    /**
     * Writes {@code tensors} (in order, packed without gaps) and {@code metadata} to {@code file} atomically.
     * The header is padded with spaces to a multiple of 8 bytes, as the reference implementation does.
     */
    public static void write(Path file, List<Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Tensor t : tensors) {
            if (!t.type().isFloat()) {
                throw new InteropException(file + ": tensor '" + t.name() + "' cannot be written as " + t.type());
            }
            long elements = Arrays.stream(t.shape()).reduce(1, Math::multiplyExact);
            if (elements != t.length()) {
                throw new InteropException(file + ": tensor '" + t.name() + "' has " + t.length()
                        + " values for shape " + Arrays.toString(t.shape()));
            }
            if (header.has(t.name())) {
                throw new InteropException(file + ": tensor '" + t.name() + "' is given twice");
            }
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", t.type().name());
            ArrayNode shape = e.putArray("shape");
            Arrays.stream(t.shape()).forEach(shape::add);
            long end = offset + elements * t.type().bytes();
            e.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        try {
            AtomicFiles.write(file, out -> {
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
                out.write(length.array());
                out.write(headerBytes);
                for (Tensor t : tensors) {
                    ByteBuffer bytes = ByteBuffer.allocate(t.length() * t.type().bytes()).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < t.length(); i++) {
                        t.type().write(bytes, i, t.element().applyAsDouble(i));
                    }
                    out.write(bytes.array());
                }
            });
        } catch (IOException e) {
            throw new InteropException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
