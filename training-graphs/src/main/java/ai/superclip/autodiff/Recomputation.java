package ai.superclip.autodiff;

import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Node;
import ai.superclip.graph.Op;
import ai.superclip.graph.TypedShape;
import ai.superclip.graph.Value;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Gradient checkpointing (open_clip's {@code --grad-checkpointing}): the backward pass recomputes each recomputable
 * segment of the forward graph ({@link Graph#segment}, one per transformer block) instead of reading the activations
 * the forward pass computed inside it.
 *
 * <p>A gradient rule reads its node's inputs and outputs. Without recomputation the rules of a block read the block's
 * internal activations (attention scores, MLP hidden states, …), so all of them stay alive from the forward pass
 * until the backward pass reaches that block: the activations of every block at once. With it, when the reverse walk
 * first reaches a segment, the segment's nodes are copied in forward order and every rule of the segment reads the
 * copy of its node. The backward graph then reads from the forward pass only what enters a segment (the block's
 * input, parameters, constants): the originals' internal outputs die as soon as the forward pass has used them, and
 * the copies' live only while that one block's gradients are computed. The price is one more forward pass of the
 * blocks. Gradients are unchanged: the copies compute the same values from the same inputs.
 *
 * <p>Each activation entering a copied segment passes through a gate, {@code Where(IsNaN(g₀), x, x)}, where g₀ is
 * the first element of the gradient flowing into the segment. The gate is exactly x, and it does two things:
 * <ul>
 *   <li>the copy cannot run before that gradient exists, i.e. before the backward pass reaches the block; without
 *   it any topological order is valid, and ONNX Runtime could recompute during the forward pass and keep the
 *   activations alive after all;
 *   <li>the copy's nodes are not the originals' (same op, same attributes, but another input), so ONNX Runtime's
 *   common-subexpression elimination, which merges such identical nodes, does not fold the copy back into the
 *   forward pass.
 * </ul>
 * Nodes of a segment that read no activation (a weight's transpose) may still be merged with the forward pass's by
 * that elimination; they are parameter-sized and needed by the backward pass either way.
 */
final class Recomputation {
    private final Graph graph;
    private final Map<Node, List<Node>> segmentOf = new HashMap<>();
    private final Map<Node, Node> copies = new HashMap<>();

    /** Recomputation of every segment of {@code graph}. */
    Recomputation(Graph graph) {
        this.graph = graph;
        for (List<Node> segment : graph.segments()) {
            segment.forEach(n -> segmentOf.put(n, segment));
        }
    }

    /**
     * The node whose inputs and outputs the gradient rule of {@code node} reads: {@code node} itself outside every
     * segment, else its copy, the whole segment copied on the first call for one of its nodes.
     *
     * @param outputGradients the gradients of {@code node}'s outputs, at least one not null; on the first call for
     *     a segment they flow in from outside it, and the copy waits for them
     */
    Node forBackward(Node node, Value[] outputGradients) {
        List<Node> segment = segmentOf.get(node);
        if (segment == null) {
            return node;
        }
        if (!copies.containsKey(node)) {
            Value upstream = Stream.of(outputGradients).filter(Objects::nonNull).findFirst().orElseThrow();
            graph.inScope("recompute", () -> copy(segment, upstream));
        }
        return copies.get(node);
    }

    private Void copy(List<Node> segment, Value upstream) {
        Value first = upstream.reshape(-1).gather(graph.scalar(0, DType.INT64), 0); // a scalar: the gate keeps ranks
        Value wait = graph.apply(Op.IS_NAN, first);
        Map<Value, Value> recomputed = new HashMap<>(); // original value to the value the copies read
        for (Node n : segment) {
            Graph.NodeBuilder b = graph.node(n.op()).attrs(n.attributes());
            for (Value in : n.inputs()) {
                b.input(in == null ? null : recomputed.computeIfAbsent(in, v -> gate(v, wait)));
            }
            TypedShape[] types = n.outputs().stream().map(TypedShape::of).toArray(TypedShape[]::new);
            List<Value> outs = b.outputs(types).buildAll();
            for (int i = 0; i < outs.size(); i++) {
                recomputed.put(n.output(i), outs.get(i));
            }
            copies.put(n, outs.get(0).producer());
        }
        return null;
    }

    /** An activation entering the segment, passed on once {@code wait} is known; inputs and constants as they are. */
    private Value gate(Value v, Value wait) {
        return v.producer() == null ? v : graph.apply(Op.WHERE, wait, v, v);
    }
}
