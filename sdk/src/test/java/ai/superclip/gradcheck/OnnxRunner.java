package ai.superclip.gradcheck;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.superclip.runtime.OrtRuntime;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs a model proto in a plain session of the training-enabled runtime (test helper). */
final class OnnxRunner implements AutoCloseable {
    private final OrtEnvironment env = OrtRuntime.environment();
    private final OrtSession session;

    OnnxRunner(ModelProto model) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        session = env.createSession(model.toByteArray(), options);
    }

    /** A host tensor: float or int64 data with a shape. */
    record Feed(long[] shape, float[] floats, long[] longs) {
        static Feed of(long[] shape, float[] v) {
            return new Feed(shape, v, null);
        }

        static Feed ofLongs(long[] shape, long[] v) {
            return new Feed(shape, null, v);
        }
    }

    /** Runs and returns every requested output flattened to float[]. */
    Map<String, float[]> run(Map<String, Feed> feeds, List<String> outputs) throws OrtException {
        Map<String, OnnxTensor> in = tensors(feeds);
        try {
            Map<String, float[]> out = new LinkedHashMap<>();
            try (OrtSession.Result r = session.run(in, new java.util.HashSet<>(outputs))) {
                for (String name : outputs) {
                    OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow();
                    FloatBuffer fb = t.getFloatBuffer();
                    float[] v = new float[fb.remaining()];
                    fb.get(v);
                    out.put(name, v);
                }
            }
            return out;
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    /** The run-time shape of one output. */
    long[] shapeOf(Map<String, Feed> feeds, String output) throws OrtException {
        Map<String, OnnxTensor> in = tensors(feeds);
        try (OrtSession.Result r = session.run(in, java.util.Set.of(output))) {
            return ((OnnxTensor) r.get(output).orElseThrow()).getInfo().getShape();
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    private Map<String, OnnxTensor> tensors(Map<String, Feed> feeds) throws OrtException {
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        for (Map.Entry<String, Feed> e : feeds.entrySet()) {
            Feed f = e.getValue();
            in.put(e.getKey(), f.floats() != null
                    ? OnnxTensor.createTensor(env, FloatBuffer.wrap(f.floats()), f.shape())
                    : OnnxTensor.createTensor(env, LongBuffer.wrap(f.longs()), f.shape()));
        }
        return in;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
