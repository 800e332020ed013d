package ai.superclip.model;

import ai.superclip.graph.Attr;
import ai.superclip.graph.DType;
import ai.superclip.graph.Graph;
import ai.superclip.graph.Init;
import ai.superclip.graph.Op;
import ai.superclip.graph.TypedShape;
import ai.superclip.graph.Value;
import ai.superclip.nn.Layers;
import ai.superclip.nn.Transformer;

/**
 * The image tower, open_clip's {@code VisionTransformer}, with its parameters under {@code visual.}: patch
 * embedding {@code conv1} (a convolution without bias, computed as one matrix product over the flattened
 * patches), the class token, {@code positional_embedding}, {@code ln_pre}, pre-LN blocks, {@code ln_post}.
 * The image feature is the class token projected by {@code proj}.
 */
record VisionTower(VisionConfig config, int embedDim) {
    static final String PREFIX = "visual.";

    /** The tokens after {@code ln_post}, [B, 1 + g², W], the class token first. */
    Value tokens(Value pixels) {
        Graph g = pixels.graph();
        long width = config.width();
        double scale = Math.pow(width, -0.5);
        return g.inScope("visual", () -> {
            Value patches = patchEmbedding(pixels);
            Value classToken = repeatOverBatch(Layers.table(g, "class_embedding", scale, width), patches);
            Value x = g.node(Op.CONCAT).attr(Attr.AXIS, 1L).input(classToken).input(patches).build();
            x = x.add(Layers.table(g, "positional_embedding", scale, config.tokens(), width));
            Value normed = Layers.layerNorm(x, "ln_pre");
            Transformer blocks = new Transformer(config.width(), config.layers(), config.heads(), config.mlpWidth(),
                    config.activation(), false, Transformer.Initialisation.TORCH_DEFAULT);
            Value h = g.inScope("transformer", () -> blocks.apply(normed));
            return Layers.layerNorm(h, "ln_post");
        });
    }

    /** The image feature before normalisation: the class token of {@code tokens} times {@code visual.proj}, [B, E]. */
    Value features(Value tokens) {
        Graph g = tokens.graph();
        Value classToken = tokens.gather(g.scalar(0, DType.INT64), 1);
        Value proj = g.inScope("visual", () -> g.parameter("proj", Init.normal(Math.pow(config.width(), -0.5)),
                config.width(), embedDim));
        return classToken.matmul(proj);
    }

    /** The mean of the patch tokens, class token excluded, [B, W]: SuperCLIP's classification input. */
    static Value patchMean(Value tokens) {
        Graph g = tokens.graph();
        Value patches = g.node(Op.SLICE).input(tokens).input(g.longs(1)).input(g.longs(tokens.dim(1)))
                .input(g.longs(1)).build();
        return patches.mean(false, 1);
    }

    /**
     * {@code conv1} with stride = kernel = patch as a matrix product: [B, 3, S, S] is cut into g² patches of
     * 3·p·p values each (channel, row, column: the weight's layout), times {@code conv1.weight} [W, 3, p, p].
     */
    private Value patchEmbedding(Value pixels) {
        Graph g = pixels.graph();
        long p = config.patchSize();
        long grid = config.grid();
        long width = config.width();
        long patchValues = 3 * p * p;
        Value weight = g.parameter("conv1.weight", Layers.torchDefault(patchValues), width, 3, p, p); // nn.Conv2d's
        Value patches = pixels.reshape(-1, 3, grid, p, grid, p).transpose(0, 2, 4, 1, 3, 5).reshape(-1, patchValues);
        Value embedded = g.node(Op.GEMM).attr(Attr.TRANS_B, 1L).input(patches).input(weight.reshape(width, patchValues))
                .build();
        return embedded.reshape(-1, grid * grid, width);
    }

    /** {@code vector} [W] repeated for each image of {@code like} [B, ..., W]: [B, 1, W]. */
    private static Value repeatOverBatch(Value vector, Value like) {
        Graph g = like.graph();
        long width = vector.dim(0);
        Value batch = g.node(Op.SLICE).input(g.apply(Op.SHAPE, like)).input(g.longs(0)).input(g.longs(1)).build();
        Value shape = g.node(Op.CONCAT).attr(Attr.AXIS, 0L).input(batch).input(g.longs(1, width)).build();
        return g.node(Op.EXPAND).input(vector.reshape(1, 1, width)).input(shape)
                .outputs(new TypedShape(vector.dtype(), new long[] {like.dim(0), 1, width})).build();
    }
}
