package ai.superclip.nn;

import ai.superclip.graph.Value;
import java.util.function.UnaryOperator;

/** The MLP activation of a transformer. */
public enum Activation {
    /** Exact GELU (erf form), open_clip's default. */
    GELU(Functions::gelu),
    /** GELU with the tanh approximation. */
    GELU_TANH(Functions::geluTanh),
    /** OpenAI CLIP's x * sigmoid(1.702 x). */
    QUICK_GELU(Functions::quickGelu);

    private final UnaryOperator<Value> fn;

    Activation(UnaryOperator<Value> fn) {
        this.fn = fn;
    }

    public Value apply(Value x) {
        return fn.apply(x);
    }
}
