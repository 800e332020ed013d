package ai.superclip.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtSession;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The named outputs of one training or evaluation step. Closing it releases their native memory,
 * so read what you need first.
 */
public final class StepOutputs implements AutoCloseable {
    private final OrtSession.Result result;
    private final Map<String, OnnxValue> values = new LinkedHashMap<>();

    StepOutputs(OrtSession.Result result) {
        this.result = result;
        for (Map.Entry<String, OnnxValue> entry : result) {
            values.put(entry.getKey(), entry.getValue());
        }
    }

    /** The output names, in the model's order. */
    public Set<String> names() {
        return values.keySet();
    }

    /** The named output, valid until this object is closed. */
    public OnnxValue get(String name) {
        OnnxValue value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("No output '" + name + "'; outputs are " + names());
        }
        return value;
    }

    /** The named output read as a float scalar, such as a loss. */
    public float getFloat(String name) {
        OnnxValue value = get(name);
        if (value instanceof OnnxTensor tensor
                && tensor.getInfo().type == OnnxJavaType.FLOAT
                && tensor.getInfo().getNumElements() == 1) {
            return tensor.getFloatBuffer().get(0);
        }
        throw new IllegalArgumentException(
                "Output '" + name + "' is not a float scalar: " + value.getInfo());
    }

    @Override
    public void close() {
        result.close();
    }
}
