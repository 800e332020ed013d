package ai.superclip.graph;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One operator application. Inputs may contain {@code null} for an omitted optional input. Attribute values
 * are {@code Long}, {@code long[]}, {@code Float}, {@code float[]} or {@code String}.
 */
public final class Node {
    private final Op op;
    private final String name;
    private final List<Value> inputs;
    private final Map<Attr, Object> attributes;
    private List<Value> outputs = List.of();

    Node(Op op, String name, List<Value> inputs, Map<Attr, Object> attributes) {
        this.op = op;
        this.name = name;
        this.inputs = Collections.unmodifiableList(inputs);
        this.attributes = Collections.unmodifiableMap(attributes);
    }

    public Op op() {
        return op;
    }

    public String name() {
        return name;
    }

    public List<Value> inputs() {
        return inputs;
    }

    /** The i-th input, or null if absent. */
    public Value input(int i) {
        return i < inputs.size() ? inputs.get(i) : null;
    }

    public List<Value> outputs() {
        return outputs;
    }

    public Value output(int i) {
        return outputs.get(i);
    }

    public Map<Attr, Object> attributes() {
        return attributes;
    }

    /** An integer attribute, or {@code fallback} if absent. */
    public long intAttr(Attr attr, long fallback) {
        Object v = attributes.get(attr);
        return v == null ? fallback : (Long) v;
    }

    /** A float attribute, or {@code fallback} if absent. */
    public float floatAttr(Attr attr, float fallback) {
        Object v = attributes.get(attr);
        return v == null ? fallback : (Float) v;
    }

    /** An integer-list attribute, or null if absent. */
    public long[] intsAttr(Attr attr) {
        return (long[]) attributes.get(attr);
    }

    /** A string attribute, or {@code fallback} if absent. */
    public String stringAttr(Attr attr, String fallback) {
        Object v = attributes.get(attr);
        return v == null ? fallback : (String) v;
    }

    void setOutputs(List<Value> outputs) {
        this.outputs = Collections.unmodifiableList(outputs);
    }

    @Override
    public String toString() {
        return op.onnxName() + " " + name;
    }
}
