package ai.superclip.artifacts;

import static ai.superclip.artifacts.OrtCheckpoint.CHECKPOINT_MODULE_STATE;
import static ai.superclip.artifacts.OrtCheckpoint.CHECKPOINT_OPTIMIZER_GROUPS;
import static ai.superclip.artifacts.OrtCheckpoint.CHECKPOINT_PROPERTY_BAG;
import static ai.superclip.artifacts.OrtCheckpoint.CHECKPOINT_VERSION;
import static ai.superclip.artifacts.OrtCheckpoint.DATA_TYPE_FLOAT;
import static ai.superclip.artifacts.OrtCheckpoint.GROUP_INITIAL_LR;
import static ai.superclip.artifacts.OrtCheckpoint.GROUP_NAME;
import static ai.superclip.artifacts.OrtCheckpoint.GROUP_STATES;
import static ai.superclip.artifacts.OrtCheckpoint.GROUP_STEP;
import static ai.superclip.artifacts.OrtCheckpoint.MODULE_FROZEN;
import static ai.superclip.artifacts.OrtCheckpoint.MODULE_HAS_EXTERNAL_DATA;
import static ai.superclip.artifacts.OrtCheckpoint.MODULE_REQUIRES_GRAD;
import static ai.superclip.artifacts.OrtCheckpoint.PARAM_STATE_MOMENTUMS;
import static ai.superclip.artifacts.OrtCheckpoint.PARAM_STATE_NAME;
import static ai.superclip.artifacts.OrtCheckpoint.PROPERTY_NAME;
import static ai.superclip.artifacts.OrtCheckpoint.PROPERTY_VALUE;
import static ai.superclip.artifacts.OrtCheckpoint.BAG_FLOATS;
import static ai.superclip.artifacts.OrtCheckpoint.BAG_INTS;
import static ai.superclip.artifacts.OrtCheckpoint.BAG_STRINGS;
import static ai.superclip.artifacts.OrtCheckpoint.TENSOR_DATA_TYPE;
import static ai.superclip.artifacts.OrtCheckpoint.TENSOR_DIMS;
import static ai.superclip.artifacts.OrtCheckpoint.TENSOR_EXTERNAL_DATA_OFFSET;
import static ai.superclip.artifacts.OrtCheckpoint.TENSOR_FIELDS;
import static ai.superclip.artifacts.OrtCheckpoint.TENSOR_NAME;
import static ai.superclip.artifacts.OrtCheckpoint.TENSOR_RAW_DATA;

import com.google.flatbuffers.FlatBufferBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an {@link OrtCheckpoint} as ONNX Runtime's flatbuffer, its tensors inline or in the external data file. In
 * the external form the values are streamed to disk through a small buffer and the flatbuffer holds only names,
 * shapes and offsets, so no second copy of the weights is made in memory.
 */
final class OrtCheckpointWriter {
    private static final int CHUNK_FLOATS = 1 << 16;

    /** Where each tensor's values start in the external data file; empty when they are inline. */
    private final Map<NamedArray, Long> offsets;

    private OrtCheckpointWriter(Map<NamedArray, Long> offsets) {
        this.offsets = offsets;
    }

    static void write(OrtCheckpoint checkpoint, Path file, boolean external) {
        Path dataFile = OrtCheckpoint.externalDataFile(file);
        try {
            Map<NamedArray, Long> offsets = new IdentityHashMap<>();
            if (external) {
                AtomicFiles.write(dataFile, out -> writeData(checkpoint.tensors(), out, offsets));
            }
            ByteBuffer data = new OrtCheckpointWriter(offsets).build(checkpoint).dataBuffer().duplicate();
            AtomicFiles.write(file, out -> Channels.newChannel(out).write(data));
            if (!external) {
                Files.deleteIfExists(dataFile); // a stale one would be taken for this checkpoint's
            }
        } catch (IOException e) {
            throw new ArtifactException("cannot write ORT checkpoint " + file + ": " + e, e);
        }
    }

    static byte[] inline(OrtCheckpoint checkpoint) {
        return new OrtCheckpointWriter(Map.of()).build(checkpoint).sizedByteArray();
    }

    /** Writes the tensors' values back to back (float32 keeps every offset 4-byte aligned), noting each offset. */
    private static void writeData(List<NamedArray> tensors, OutputStream out, Map<NamedArray, Long> offsets)
            throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer floats = chunk.asFloatBuffer();
        long position = 0;
        for (NamedArray t : tensors) {
            offsets.put(t, position);
            float[] values = t.values();
            for (int from = 0; from < values.length; from += CHUNK_FLOATS) {
                int n = Math.min(CHUNK_FLOATS, values.length - from);
                floats.clear();
                floats.put(values, from, n);
                out.write(chunk.array(), 0, n * Float.BYTES);
            }
            position += (long) Float.BYTES * values.length;
        }
    }

    private FlatBufferBuilder build(OrtCheckpoint c) {
        // Allocate an upper bound of the size up front so that the builder never grows (copies) its buffer.
        long estimate = sizeBound(c);
        if (estimate > OrtCheckpoint.MAX_BYTES) {
            throw new ArtifactException("checkpoint needs about " + estimate + " bytes, more than a flatbuffer"
                    + " can hold (2 GiB); write it with its tensors in an external data file");
        }
        FlatBufferBuilder b = new FlatBufferBuilder((int) estimate);
        int moduleState = writeModuleState(b, c);
        int groups = b.createVectorOfTables(c.optimizer() == null ? new int[0] : new int[] {writeOptimizer(b, c)});
        int bag = writePropertyBag(b, c.properties());
        b.startTable(4);
        b.addInt(CHECKPOINT_VERSION, OrtCheckpoint.VERSION, 0);
        b.addOffset(CHECKPOINT_MODULE_STATE, moduleState, 0);
        b.addOffset(CHECKPOINT_OPTIMIZER_GROUPS, groups, 0);
        b.addOffset(CHECKPOINT_PROPERTY_BAG, bag, 0);
        b.finish(b.endTable(), OrtCheckpoint.FILE_IDENTIFIER);
        return b;
    }

    private long sizeBound(OrtCheckpoint c) {
        List<String> strings = new ArrayList<>();
        if (c.optimizer() != null) {
            strings.add(c.optimizer().groupName());
            strings.addAll(c.optimizer().momentsByParameter().keySet());
        }
        strings.addAll(c.properties().ints().keySet());
        strings.addAll(c.properties().floats().keySet());
        strings.addAll(c.properties().strings().keySet());
        strings.addAll(c.properties().strings().values());
        long bound = 1024;
        for (NamedArray t : c.tensors()) {
            bound += 4L * t.name().length() + 8L * t.shape().length + 128
                    + (offsets.isEmpty() ? 4L * t.values().length : 0);
        }
        for (String string : strings) {
            bound += 4L * string.length() + 64;
        }
        return bound;
    }

    private int writeModuleState(FlatBufferBuilder b, OrtCheckpoint c) {
        int requiresGrad = writeTensors(b, c.trainable());
        int frozenParams = writeTensors(b, c.frozen());
        b.startTable(4);
        b.addOffset(MODULE_REQUIRES_GRAD, requiresGrad, 0);
        b.addOffset(MODULE_FROZEN, frozenParams, 0);
        b.addBoolean(MODULE_HAS_EXTERNAL_DATA, !offsets.isEmpty(), false);
        return b.endTable();
    }

    private int writeOptimizer(FlatBufferBuilder b, OrtCheckpoint c) {
        OrtCheckpoint.OptimizerState optimizer = c.optimizer();
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

    private static int writePropertyBag(FlatBufferBuilder b, OrtCheckpoint.PropertyBag properties) {
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

    private int writeTensors(FlatBufferBuilder b, List<NamedArray> tensors) {
        int[] tables = new int[tensors.size()];
        for (int i = 0; i < tables.length; i++) {
            tables[i] = writeTensor(b, tensors.get(i));
        }
        return b.createVectorOfTables(tables);
    }

    private int writeTensor(FlatBufferBuilder b, NamedArray t) {
        int name = b.createString(t.name());
        long[] shape = t.shape();
        b.startVector(Long.BYTES, shape.length, Long.BYTES);
        for (int i = shape.length - 1; i >= 0; i--) {
            b.addLong(shape[i]);
        }
        int dims = b.endVector();
        Long offset = offsets.get(t);
        int raw = 0;
        if (offset == null) {
            b.createUnintializedVector(1, Float.BYTES * t.values().length, Float.BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .put(t.values());
            raw = b.endVector();
        }
        b.startTable(TENSOR_FIELDS);
        b.addOffset(TENSOR_NAME, name, 0);
        b.addOffset(TENSOR_DIMS, dims, 0);
        b.addInt(TENSOR_DATA_TYPE, DATA_TYPE_FLOAT, 0);
        b.addOffset(TENSOR_RAW_DATA, raw, 0);
        if (offset != null) {
            b.addLong(TENSOR_EXTERNAL_DATA_OFFSET, offset, -1);
        }
        return b.endTable();
    }
}
