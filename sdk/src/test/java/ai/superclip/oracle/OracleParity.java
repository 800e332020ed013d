package ai.superclip.oracle;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import ai.superclip.autodiff.Autodiff;
import ai.superclip.graph.Init;
import ai.superclip.graph.ModelSpec;
import ai.superclip.graph.Parameter;
import ai.superclip.graph.Value;
import ai.superclip.runtime.OrtRuntime;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Shared by the oracle comparisons: random weights, our outputs and gradients computed by a plain session of
 * the training-enabled runtime, and the error measure against the oracle's float64 reference.
 */
public final class OracleParity {
    /** Prefix of the gradient outputs of {@link #run}. */
    public static final String GRAD = "grad:";

    private OracleParity() {
    }

    /**
     * Random weights for every parameter: matrices and tables drawn from their own initialisers, and noise
     * around the constant ones (LayerNorm scales around 1, biases around 0), so that every path matters.
     */
    public static Map<String, float[]> randomWeights(List<Parameter> parameters, long seed) {
        Random random = new Random(seed);
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            float[] v = p.initialValue(seed);
            if (p.init() instanceof Init.Constant) {
                for (int i = 0; i < v.length; i++) {
                    v[i] += (float) (0.1 * random.nextGaussian());
                }
            }
            weights.put(p.name(), v);
        }
        return weights;
    }

    /** {@code weights} as the oracle's tensors, shaped like the parameters. */
    public static Map<String, OracleTensor> forOracle(List<Parameter> parameters, Map<String, float[]> weights) {
        Map<String, OracleTensor> m = new LinkedHashMap<>();
        parameters.forEach(p -> m.put(p.name(), OracleTensor.fromFloats(p.shape(), weights.get(p.name()))));
        return m;
    }

    /**
     * Differentiates {@code loss} with respect to every parameter of its graph and runs the graph once with
     * {@code weights} embedded: returns {@code outputs} by name and each gradient as {@link #GRAD} + name.
     */
    public static Map<String, float[]> run(Value loss, Map<String, Value> outputs, List<Value> inputs,
            Map<String, float[]> weights, Map<String, OnnxTensor> feeds) throws Exception {
        List<Parameter> parameters = loss.graph().parameters();
        Map<Value, Value> gradients = Autodiff.gradients(loss, parameters.stream().map(Parameter::value).toList());
        Map<String, Value> all = new LinkedHashMap<>(outputs);
        gradients.forEach((p, g) -> all.put(GRAD + p.name(), g));
        ModelSpec spec = new ModelSpec("oracle", inputs, all, weights, Map.of());
        Map<String, float[]> results = new LinkedHashMap<>();
        try (OrtSession s = OrtRuntime.environment().createSession(spec.toProto().toByteArray(), new OrtSession.SessionOptions());
                OrtSession.Result r = s.run(feeds)) {
            for (String name : all.keySet()) {
                FloatBuffer fb = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
                float[] v = new float[fb.remaining()];
                fb.get(v);
                results.put(name, v);
            }
        }
        return results;
    }

    /**
     * The worst entry-wise disagreement of one tensor with the reference: the difference over
     * max(|reference|, 0.1), i.e. relative error, and absolute error (scaled by 10) for entries near zero,
     * so that 1e-4 means 1e-4 relative or 1e-5 absolute.
     */
    public record Comparison(double error, String where) {
        public static Comparison of(String name, float[] ours, OracleTensor reference) {
            double worst = 0;
            int at = 0;
            for (int i = 0; i < reference.size(); i++) {
                double err = Math.abs(ours[i] - reference.get(i)) / Math.max(Math.abs(reference.get(i)), 0.1);
                if (!(err <= worst)) { // NaN counts as the worst
                    worst = err;
                    at = i;
                }
            }
            return new Comparison(worst, name + "[" + at + "]");
        }

        /** The worse of two comparisons. */
        public Comparison max(Comparison other) {
            return other.error > error ? other : this;
        }
    }
}
