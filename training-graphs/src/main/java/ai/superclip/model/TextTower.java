package ai.superclip.model;

import ai.superclip.graph.Attr;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Init;
import ai.superclip.graph.Op;
import ai.superclip.graph.Value;
import ai.superclip.nn.Functions;
import ai.superclip.nn.Layers;
import ai.superclip.nn.Transformer;

/**
 * The text tower, open_clip's text encoder, with its parameters at the top level: {@code token_embedding},
 * {@code positional_embedding}, causal pre-LN blocks under {@code transformer.}, {@code ln_final}. The caption
 * feature is the token at the end-of-text position projected by {@code text_projection}. The captions' length
 * may be the context length or known only at run time (at most the context length; the training graphs and the
 * exported encoder): under the causal mask nothing after the end-of-text token reaches the feature, so a batch
 * trimmed to its longest caption gives the same features.
 */
record TextTower(TextConfig config, int embedDim) {

    /** The caption feature before normalisation, [B, E], from token ids [B, L]. */
    Value features(Value ids) {
        Graph g = ids.graph();
        long width = config.width();
        Value table = g.parameter("token_embedding.weight", Init.normal(0.02), config.vocabSize(), width);
        Value positions = Layers.table(g, "positional_embedding", 0.01, config.contextLength(), width);
        if (ids.dim(1) != config.contextLength()) { // a run-time length: the table's first rows
            positions = positions.gather(Functions.arangeOfDim(ids, 1), 0);
        }
        Value x = table.gather(ids, 0).add(positions);
        Transformer blocks = new Transformer(config.width(), config.layers(), config.heads(), config.mlpWidth(),
                config.activation(), true, Transformer.Initialisation.CLIP_TEXT);
        Value h = Layers.layerNorm(g.inScope("transformer", () -> blocks.apply(x)), "ln_final");
        Value projection = g.parameter("text_projection", Init.normal(Math.pow(width, -0.5)), width, embedDim);
        return atEndOfText(h, ids).matmul(projection);
    }

    /**
     * Row i of {@code x} [B, L, W] at the position of caption i's largest id, the end-of-text token (CLIP's
     * 49407 is the largest id), its first occurrence: [B, W].
     */
    private static Value atEndOfText(Value x, Value ids) {
        Graph g = x.graph();
        // ArgMax over float: ONNX Runtime's CPU kernel has no int64 ArgMax, and ids below 2^24 are exact in float
        Value position = g.node(Op.ARG_MAX).attr(Attr.AXIS, 1L).attr(Attr.KEEPDIMS, 0L).input(ids.cast(DType.FLOAT)).build();
        Value row = Functions.arangeOfFirstDim(ids).mul(Functions.runtimeDim(ids, 1)).add(position);
        return x.reshape(-1, x.dim(-1)).gather(row, 0);
    }
}
