package ai.superclip.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.GraphException;
import ai.superclip.graph.Node;
import ai.superclip.graph.Op;
import ai.superclip.graph.Shape;
import ai.superclip.graph.Value;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shape of the backward graph: what is emitted, what is not, and that every gradient has its value's type and
 * shape. Numbers are checked against finite differences in the sdk's {@code OpGradientTest} (which runs the graphs).
 */
class AutodiffTest {

    private static void assertGradientOf(Value value, Value gradient) {
        assertNotNull(gradient, () -> "no gradient for " + value);
        assertEquals(value.dtype(), gradient.dtype(), () -> "dtype of the gradient of " + value);
        assertArrayEquals(value.shape(), gradient.shape(),
                () -> "shape of the gradient of " + value + ": " + Shape.toString(gradient.shape()));
    }

    @Test
    void unusedBranchesEmitNothing() {
        Graph g = new Graph();
        Value x = g.input("x", DType.FLOAT, 3, 4);
        Value unused = x.exp().tanh(); // never reaches the loss
        Value loss = x.mul(2.0).sum(false, 0, 1);
        int before = g.nodeCount();
        Map<Value, Value> grads = Autodiff.gradients(loss, List.of(x));
        List<Node> added = g.nodes().subList(before, g.nodeCount());
        assertGradientOf(x, grads.get(x));
        assertTrue(added.stream().noneMatch(n -> n.op() == Op.TANH_GRAD || n.op() == Op.EXP), "no rule of the unused branch ran");
        assertTrue(added.stream().noneMatch(n -> n.inputs().contains(unused)), "nothing reads the unused branch");
    }

    @Test
    void aValueUsedTwiceHasItsGradientsSummed() {
        Graph g = new Graph();
        Value x = g.input("x", DType.FLOAT, 3);
        Value loss = x.exp().add(x.sigmoid()).sum(false, 0);
        Value grad = Autodiff.gradients(loss, List.of(x)).get(x);
        assertGradientOf(x, grad);
        assertEquals(Op.SUM, grad.producer().op());
        assertEquals(2, grad.producer().inputs().size());
    }

    @Test
    void aValueTheLossDoesNotDependOnHasNoGradient() {
        Graph g = new Graph();
        Value x = g.input("x", DType.FLOAT, 3);
        Value y = g.input("y", DType.FLOAT, 3);
        assertNull(Autodiff.gradients(x.sum(false, 0), List.of(x, y)).get(y));
    }

    @Test
    void intermediateValuesCanBeDifferentiated() {
        Graph g = new Graph();
        Value x = g.input("x", DType.FLOAT, Shape.UNKNOWN, 4);
        Value h = x.tanh();
        Value loss = h.mul(h).sum(false, 0, 1);
        Map<Value, Value> grads = Autodiff.gradients(loss, List.of(x, h));
        assertGradientOf(h, grads.get(h));
        assertGradientOf(x, grads.get(x));
        // d(h·h)/dh feeds the tanh rule: the gradient of x is TanhGrad(dh, h), dh being h's own gradient
        Node tanhGrad = grads.get(x).producer();
        assertEquals(Op.TANH_GRAD, tanhGrad.op());
        assertEquals(List.of(grads.get(h), h), tanhGrad.inputs());
    }

    @Test
    void productWithARuntimeSizedTransposeDifferentiates() {
        Graph g = new Graph();
        Value a = g.input("a", DType.FLOAT, Shape.UNKNOWN, 8);
        Value b = g.input("b", DType.FLOAT, Shape.UNKNOWN, 8);
        Value loss = a.matmul(b.transpose(1, 0)).sum(false, 0, 1);
        Map<Value, Value> grads = Autodiff.gradients(loss, List.of(a, b));
        assertGradientOf(a, grads.get(a));
        assertGradientOf(b, grads.get(b));
    }

    @Test
    void theLossMustBeAScalar() {
        Graph g = new Graph();
        Value x = g.input("x", DType.FLOAT, 3);
        assertThrows(GraphException.class, () -> Autodiff.gradients(x.exp(), List.of(x)));
    }
}
