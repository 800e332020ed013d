package ai.superclip.autodiff;

import ai.superclip.graph.Backward;
import ai.superclip.graph.Graph;
import ai.superclip.graph.GraphException;
import ai.superclip.graph.Node;
import ai.superclip.graph.Op;
import ai.superclip.graph.Shape;
import ai.superclip.graph.Value;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode differentiation of a graph. Walks the nodes backwards from a scalar loss, asks each op for its
 * gradient rule ({@link Op}), sums the contributions that meet at a value, and emits nothing for nodes that
 * do not lie on a path from a requested value to the loss.
 */
public final class Autodiff {
    private Autodiff() {
    }

    /**
     * Adds the backward nodes to the loss's graph and returns the gradient of the loss with respect to each
     * value in {@code wrt}, keyed by that value. A value the loss does not depend on maps to null.
     */
    public static Map<Value, Value> gradients(Value loss, Collection<Value> wrt) {
        return gradients(loss, loss.graph().constant(new float[] {1f}, loss.shape()), wrt);
    }

    /**
     * As {@link #gradients(Value, Collection)}, with the backward pass seeded by {@code seed} (the gradient
     * of the output with respect to the loss) instead of 1: every gradient is scaled by it.
     */
    public static Map<Value, Value> gradients(Value loss, Value seed, Collection<Value> wrt) {
        return gradients(loss, seed, wrt, false);
    }

    /**
     * As {@link #gradients(Value, Value, Collection)}; with {@code recomputeSegments}, gradient checkpointing: the
     * backward pass recomputes the graph's recomputable segments instead of keeping their activations (see
     * {@link Recomputation}).
     */
    public static Map<Value, Value> gradients(Value loss, Value seed, Collection<Value> wrt, boolean recomputeSegments) {
        Graph g = loss.graph();
        Recomputation recomputation = recomputeSegments ? new Recomputation(g) : null;
        if (Shape.size(loss.shape()) != 1) {
            throw new GraphException("the loss must be a scalar, got " + loss);
        }
        List<Node> nodes = List.copyOf(g.nodes());
        Set<Value> dependsOnWrt = forwardReach(nodes, wrt);
        Set<Node> onPath = nodesReachingLoss(nodes, loss, dependsOnWrt);

        Set<Value> requested = new HashSet<>(wrt);
        Map<Value, Value> result = new LinkedHashMap<>();
        Map<Value, List<Value>> contributions = new HashMap<>();
        if (!java.util.Arrays.equals(seed.shape(), loss.shape())) {
            seed = g.apply(Op.RESHAPE, seed, g.longs(loss.shape()));
        }
        contributions.computeIfAbsent(loss, k -> new ArrayList<>()).add(seed);
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node node = nodes.get(i);
            if (!onPath.contains(node)) {
                continue;
            }
            Value[] outGrads = new Value[node.outputs().size()];
            boolean any = false;
            for (int o = 0; o < outGrads.length; o++) {
                outGrads[o] = total(g, contributions.remove(node.output(o)));
                any |= outGrads[o] != null;
                if (requested.contains(node.output(o))) { // an intermediate value asked for: complete now
                    result.put(node.output(o), outGrads[o]);
                }
            }
            if (!any) {
                continue;
            }
            boolean[] needed = new boolean[node.inputs().size()];
            for (int k = 0; k < needed.length; k++) {
                Value in = node.input(k);
                needed[k] = in != null && dependsOnWrt.contains(in);
            }
            // the rule reads the node's inputs and outputs: with recomputation, those of its copy
            Node read = recomputation == null ? node : recomputation.forBackward(node, outGrads);
            Backward b = new Backward(g, read, outGrads, needed);
            node.op().differentiate(b);
            Value[] inGrads = b.inputGradients();
            for (int k = 0; k < inGrads.length; k++) {
                if (needed[k] && inGrads[k] != null) {
                    contributions.computeIfAbsent(node.input(k), v -> new ArrayList<>()).add(inGrads[k]);
                }
            }
        }
        Map<Value, Value> ordered = new LinkedHashMap<>();
        for (Value v : wrt) {
            ordered.put(v, result.containsKey(v) ? result.get(v) : total(g, contributions.get(v)));
        }
        return ordered;
    }

    /** Values computed (through differentiable ops) from any of {@code wrt}. */
    private static Set<Value> forwardReach(List<Node> nodes, Collection<Value> wrt) {
        Set<Value> reach = new HashSet<>(wrt);
        for (Node n : nodes) {
            if (!n.op().isDifferentiable()) {
                continue;
            }
            boolean fromWrt = n.inputs().stream().anyMatch(reach::contains);
            if (fromWrt) {
                n.outputs().stream().filter(v -> v.dtype().isFloatingPoint()).forEach(reach::add);
            }
        }
        return reach;
    }

    /** Nodes that depend on {@code wrt} and whose outputs lead to the loss. */
    private static Set<Node> nodesReachingLoss(List<Node> nodes, Value loss, Set<Value> dependsOnWrt) {
        Set<Value> needed = new HashSet<>(List.of(loss));
        Set<Node> onPath = new HashSet<>();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            boolean feedsLoss = n.outputs().stream().anyMatch(needed::contains);
            boolean fromWrt = n.outputs().stream().anyMatch(dependsOnWrt::contains);
            if (feedsLoss && fromWrt && n.op().isDifferentiable()) {
                onPath.add(n);
                n.inputs().stream().filter(v -> v != null && dependsOnWrt.contains(v)).forEach(needed::add);
            }
        }
        return onPath;
    }

    private static Value total(Graph g, List<Value> parts) {
        if (parts == null || parts.isEmpty()) {
            return null;
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        return g.apply(Op.SUM, parts.toArray(Value[]::new));
    }
}
