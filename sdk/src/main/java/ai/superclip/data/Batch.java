package ai.superclip.data;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One batch from a {@link BatchLoader}: images as float NCHW in a reusable direct buffer, the
 * captions, record ids, labels and attributes, plus any extra named buffers the loader was asked
 * for (token ids, targets), which the worker hook fills.
 *
 * <p>Batch objects are pooled: call {@link #release()} (or {@link #close()}) when done with one,
 * after which its buffers are refilled with another batch. {@link #size()} can be below
 * {@link #capacity()} at the end of an epoch (without drop-last) or when bad samples were skipped;
 * only the first {@code size()} rows of every buffer are valid.
 */
public final class Batch implements AutoCloseable {

    private final int capacity;
    private final FloatBuffer images;
    private final Map<String, Buffer> extras;
    private final Consumer<Batch> releaser;
    private final List<String> captions;
    private final List<String> ids;
    private final List<Map<String, String>> attributes;
    private final int[] labels;
    private final int[] indices;
    private int size;
    private Position position;
    private Position nextPosition;
    private boolean held;

    Batch(int capacity, int floatsPerImage, Map<String, Integer> longsPerSample, Map<String, Integer> floatsPerSample,
          Consumer<Batch> releaser) {
        this.capacity = capacity;
        this.images = direct(capacity * floatsPerImage * 4L).asFloatBuffer();
        Map<String, Buffer> buffers = new LinkedHashMap<>();
        longsPerSample.forEach((name, n) -> buffers.put(name, direct(capacity * n * 8L).asLongBuffer()));
        floatsPerSample.forEach((name, n) -> buffers.put(name, direct(capacity * n * 4L).asFloatBuffer()));
        this.extras = Collections.unmodifiableMap(buffers);
        this.releaser = releaser;
        this.captions = new ArrayList<>(capacity);
        this.ids = new ArrayList<>(capacity);
        this.attributes = new ArrayList<>(capacity);
        this.labels = new int[capacity];
        this.indices = new int[capacity];
    }

    private static ByteBuffer direct(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a batch buffer of " + bytes + " bytes is too large; use a smaller batch");
        }
        return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
    }

    /** Prepares the batch for refilling; called by the loader's worker. */
    void reset(Position position, Position nextPosition) {
        this.position = position;
        this.nextPosition = nextPosition;
        this.size = 0;
        captions.clear();
        ids.clear();
        attributes.clear();
    }

    /** Records sample metadata for the next slot, record {@code index} of the dataset; its image is already written. */
    void add(Sample sample, int index) {
        indices[size] = index;
        labels[size++] = sample.label();
        captions.add(sample.caption());
        ids.add(sample.id());
        attributes.add(sample.attributes());
    }

    void markHeld() {
        held = true;
    }

    /** Number of valid samples. */
    public int size() {
        return size;
    }

    /** The batch size the buffers are allocated for. */
    public int capacity() {
        return capacity;
    }

    /** Images, float [capacity, 3, S, S] in native byte order; position 0, first {@code size()} rows valid. */
    public FloatBuffer images() {
        return images;
    }

    /** The captions, one per valid sample. */
    public List<String> captions() {
        return Collections.unmodifiableList(captions);
    }

    /** The dataset index of sample {@code i}. */
    public int index(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("sample " + i + " of a batch of " + size);
        }
        return indices[i];
    }

    /** The record ids, one per valid sample. */
    public List<String> ids() {
        return Collections.unmodifiableList(ids);
    }

    /** Label of sample {@code i}, or {@link Sample#NO_LABEL}. */
    public int label(int i) {
        if (i >= size) {
            throw new IndexOutOfBoundsException(i + " of " + size);
        }
        return labels[i];
    }

    /** Attributes of sample {@code i} (see {@link Sample#attributes()}). */
    public Map<String, String> attributes(int i) {
        return attributes.get(i);
    }

    /** The extra long buffer {@code name}, [capacity, perSample], as declared on the loader. */
    public LongBuffer longBuffer(String name) {
        return extra(name, LongBuffer.class);
    }

    /** The extra float buffer {@code name}, [capacity, perSample], as declared on the loader. */
    public FloatBuffer floatBuffer(String name) {
        return extra(name, FloatBuffer.class);
    }

    private <T extends Buffer> T extra(String name, Class<T> type) {
        Buffer buffer = extras.get(name);
        if (!type.isInstance(buffer)) {
            throw new IllegalArgumentException("no " + type.getSimpleName() + " named '" + name + "'; this batch has "
                    + extras.keySet());
        }
        return type.cast(buffer);
    }

    /** Where this batch starts in the loader's stream. */
    public Position position() {
        return position;
    }

    /** Where the batch after this one starts: the position to resume from once this batch is trained on. */
    public Position nextPosition() {
        return nextPosition;
    }

    /** Hands the batch back to the loader's pool; it must not be used afterwards. Idempotent. */
    public void release() {
        if (held) {
            held = false;
            releaser.accept(this);
        }
    }

    /** Same as {@link #release()}. */
    @Override
    public void close() {
        release();
    }
}
