package ai.superclip.nn;

import ai.superclip.graph.Attr;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Init;
import ai.superclip.graph.Op;
import ai.superclip.graph.TypedShape;
import ai.superclip.graph.Value;
import java.util.Arrays;

/**
 * Layers with parameters, named as in open_clip. Each declares its parameters in the graph's current scope
 * and returns the output value. Linear weights are stored [out, in] and applied as x W^T + b.
 */
public final class Layers {
    private Layers() {
    }

    /** LayerNorm over the last axis with {@code name.weight} (ones) and {@code name.bias} (zeros), eps 1e-5. */
    public static Value layerNorm(Value x, String name) {
        Graph g = x.graph();
        return g.inScope(name, () -> {
            long width = x.dim(-1);
            Value w = g.parameter("weight", Init.ones(), width);
            Value b = g.parameter("bias", Init.zeros(), width);
            return g.node(Op.LAYER_NORM).attr(Attr.AXIS, -1L).attr(Attr.EPSILON, 1e-5f).input(x).input(w).input(b)
                    .buildAll().get(0);
        });
    }

    /** Linear layer {@code name.weight} [out, in] and {@code name.bias} [out], initialised as given. */
    public static Value linear(Value x, String name, long out, Init weight, Init bias) {
        Graph g = x.graph();
        return g.inScope(name, () -> {
            Value w = g.parameter("weight", weight, out, x.dim(-1));
            Value b = g.parameter("bias", bias, out);
            return affine(x, w, b);
        });
    }

    /**
     * PyTorch's default initialisation of {@code nn.Linear} and {@code nn.Conv2d} for {@code fanIn} inputs (per
     * output): uniform on ±1/√fanIn, for the weight (kaiming_uniform with a = √5) and the bias alike.
     */
    public static Init torchDefault(long fanIn) {
        return Init.uniform(1 / Math.sqrt(fanIn));
    }

    /**
     * x W^T + b for x of any rank >= 2, W [out, in]: flattened to one Gemm, then shaped back (to x's run-time shape
     * when more than one of its dimensions is unknown until run time, e.g. batch and caption length).
     */
    public static Value affine(Value x, Value weight, Value bias) {
        Graph g = x.graph();
        long in = weight.dim(1);
        long out = weight.dim(0);
        Value rows = x.rank() == 2 ? x : x.reshape(-1, in);
        Value y = g.node(Op.GEMM).attr(Attr.TRANS_B, 1L).input(rows).input(weight).input(bias).build();
        if (x.rank() == 2) {
            return y;
        }
        long[] shape = x.shape();
        shape[shape.length - 1] = out;
        if (Arrays.stream(shape).filter(d -> d < 0).count() <= 1) {
            return y.reshape(shape);
        }
        Value leading = g.apply(Op.SLICE, g.apply(Op.SHAPE, x), g.longs(0), g.longs(x.rank() - 1));
        Value target = g.node(Op.CONCAT).attr(Attr.AXIS, 0L).input(leading).input(g.longs(out)).build();
        return g.node(Op.RESHAPE).input(y).input(target).outputs(new TypedShape(y.dtype(), shape)).build();
    }

    /** Learned table of shape {@code shape} under {@code name}, Normal(0, std) (positional tables, class token). */
    public static Value table(Graph g, String name, double std, long... shape) {
        return g.parameter(name, Init.normal(std), shape);
    }
}
