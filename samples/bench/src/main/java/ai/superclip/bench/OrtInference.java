package ai.superclip.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.ModelSpec;
import ai.superclip.graph.Value;
import ai.superclip.runtime.OrtRuntime;
import java.nio.Buffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One exported encoder (or any single-input, single-output model) run the fast way: the session opened once, the
 * input tensor created once over a direct buffer, the output pinned into a preallocated direct buffer.
 */
public final class OrtInference implements AutoCloseable {
    private final OrtSession session;
    private final SessionOptions options;
    private final Map<String, OnnxTensor> inputs;
    private final Map<String, OnnxTensor> outputs;

    private OrtInference(OrtSession session, SessionOptions options, Map<String, OnnxTensor> inputs,
            Map<String, OnnxTensor> outputs) {
        this.session = session;
        this.options = options;
        this.inputs = inputs;
        this.outputs = outputs;
    }

    /** Opens {@code model}, feeding {@code input} of {@code shape}, with an output of {@code outShape}. */
    public static OrtInference open(Path model, OrtSettings settings, String inputName, Buffer input, long[] shape,
            String outputName, long[] outShape) throws OrtException {
        OrtEnvironment env = OrtRuntime.environment();
        SessionOptions options = settings.options();
        OrtSession session = env.createSession(model.toString(), options);
        return wrap(env, session, options, Map.of(inputName, tensor(env, input, shape)), outputName, outShape);
    }

    private static OrtInference wrap(OrtEnvironment env, OrtSession session, SessionOptions options,
            Map<String, OnnxTensor> inputs, String outputName, long[] outShape) throws OrtException {
        long n = 1;
        for (long d : outShape) {
            n *= d;
        }
        OnnxTensor out = OnnxTensor.createTensor(env, SyntheticInputs.floats((int) n), outShape);
        return new OrtInference(session, options, inputs, Map.of(outputName, out));
    }

    private static OnnxTensor tensor(OrtEnvironment env, Buffer b, long[] shape) throws OrtException {
        if (b instanceof FloatBuffer f) {
            return OnnxTensor.createTensor(env, f, shape);
        }
        return OnnxTensor.createTensor(env, (LongBuffer) b, shape);
    }

    /**
     * A model of one MatMul [m, k] × [k, n] with both operands as inputs, for ONNX Runtime's attainable MatMul
     * rate.
     */
    public static OrtInference matmul(OrtSettings settings, int m, int k, int n) throws OrtException {
        Graph g = new Graph();
        Value a = g.input("a", DType.FLOAT, m, k);
        Value b = g.input("b", DType.FLOAT, k, n);
        Value c = a.matmul(b);
        byte[] bytes = ModelSpec.of("matmul", List.of(a, b), Map.of("c", c)).toProto().toByteArray();
        OrtEnvironment env = OrtRuntime.environment();
        SessionOptions options = settings.options();
        OrtSession session = env.createSession(bytes, options);
        FloatBuffer av = SyntheticInputs.floats(m * k);
        FloatBuffer bv = SyntheticInputs.floats(k * n);
        for (int i = 0; i < m * k; i++) {
            av.put(i, (i % 17) * 0.01f);
        }
        for (int i = 0; i < k * n; i++) {
            bv.put(i, (i % 13) * 0.01f);
        }
        return wrap(env, session, options, Map.of("a", tensor(env, av, new long[] {m, k}), "b",
                tensor(env, bv, new long[] {k, n})), "c", new long[] {m, n});
    }

    /** One run. */
    public void run() throws OrtException {
        session.run(inputs, outputs).close();
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
        options.close();
        inputs.values().forEach(OnnxTensor::close);
        outputs.values().forEach(OnnxTensor::close);
    }
}
