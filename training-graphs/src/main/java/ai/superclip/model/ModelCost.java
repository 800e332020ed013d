package ai.superclip.model;

import ai.superclip.graph.Attr;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Node;
import ai.superclip.graph.Op;
import ai.superclip.graph.Parameter;
import ai.superclip.graph.Value;
import ai.superclip.model.ModelConfig.Loss;
import ai.superclip.nn.Functions;
import java.util.List;
import java.util.Locale;

/**
 * Parameters and forward cost of a model, per component, for one image and one caption.
 *
 * <p>Cost is counted as multiply-accumulates (MACs) of matrix products, the convention behind the paper's
 * "0.077 % of total": linear layers, the patch embedding, attention's QKᵀ and AV, the projections and the
 * head's classifier. Element-wise work (LayerNorm, softmax, activations, biases, residuals) is left out; it is
 * a small fraction everywhere. The counts come from the graph as built, with a batch of one.
 *
 * @param loss the logit scale's parameter, and the one image-caption logit
 */
public record ModelCost(Component vision, Component text, Component head, Component loss) {

    /** One component's parameter count and forward MACs. */
    public record Component(long parameters, long macs) {
    }

    /** Counts {@code config}; the head is counted only for the SuperCLIP loss. */
    public static ModelCost of(ModelConfig config) {
        Graph g = new Graph();
        Value pixels = SuperClipModel.pixels(g, config, 1);
        Value ids = SuperClipModel.inputIds(g, config, 1);
        int visionStart = g.nodeCount();
        VisionTower vision = new VisionTower(config.vision(), config.embedDim());
        Value tokens = vision.tokens(pixels);
        Value image = Functions.l2Normalize(vision.features(tokens));
        int textStart = g.nodeCount();
        Value text = SuperClipModel.encodeText(ids, config);
        int headStart = g.nodeCount();
        if (config.loss() == Loss.SUPERCLIP) {
            SuperClipModel.classificationLogits(VisionTower.patchMean(tokens), config);
        }
        int lossStart = g.nodeCount();
        SuperClipModel.clipLoss(image, text, SuperClipModel.logitScale(g));
        List<Node> nodes = g.nodes();
        return new ModelCost(
                new Component(parameters(g, Part.VISION), macs(nodes.subList(visionStart, textStart))),
                new Component(parameters(g, Part.TEXT), macs(nodes.subList(textStart, headStart))),
                new Component(parameters(g, Part.HEAD), macs(nodes.subList(headStart, lossStart))),
                new Component(parameters(g, Part.LOSS), macs(nodes.subList(lossStart, nodes.size()))));
    }

    public long totalParameters() {
        return vision.parameters + text.parameters + head.parameters + loss.parameters;
    }

    public long totalMacs() {
        return vision.macs + text.macs + head.macs + loss.macs;
    }

    /** The head's share of the forward MACs, in percent. */
    public double headSharePercent() {
        return 100.0 * head.macs / totalMacs();
    }

    /** A short table: parameters (M) and GMACs per component. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "vision %.2f M params %.3f GMACs | text %.2f M %.3f GMACs | head %.2f M %.4f GMACs (%.3f %%) | total %.2f M %.3f GMACs",
                vision.parameters / 1e6, vision.macs / 1e9, text.parameters / 1e6, text.macs / 1e9,
                head.parameters / 1e6, head.macs / 1e9, headSharePercent(), totalParameters() / 1e6, totalMacs() / 1e9);
    }

    private enum Part { VISION, TEXT, HEAD, LOSS }

    private static Part partOf(String parameter) {
        if (parameter.startsWith(SuperClipModel.VISION_PREFIX)) {
            return Part.VISION;
        }
        if (parameter.startsWith(SuperClipModel.HEAD_PREFIX)) {
            return Part.HEAD;
        }
        return parameter.equals(SuperClipModel.LOGIT_SCALE) ? Part.LOSS : Part.TEXT;
    }

    private static long parameters(Graph g, Part part) {
        return g.parameters().stream().filter(p -> partOf(p.name()) == part).mapToLong(Parameter::size).sum();
    }

    /** MACs of the matrix products among {@code nodes}: rows × inner × columns, times any batch dimensions. */
    private static long macs(List<Node> nodes) {
        long total = 0;
        for (Node n : nodes) {
            if (n.op() == Op.MATMUL || n.op() == Op.FUSED_MATMUL || n.op() == Op.GEMM) {
                long[] a = n.input(0).shape();
                boolean transA = n.intAttr(Attr.TRANS_A, 0) != 0;
                long inner = transA ? a[a.length - 2] : a[a.length - 1];
                total += elements(n.output(0).shape()) * inner;
            }
        }
        return total;
    }

    /** The element count, a dimension known only at run time being the batch of one. */
    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= Math.max(d, 1);
        }
        return n;
    }
}
