package ai.superclip.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.AdamW;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.superclip.graph.Parameter;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.SuperClipModel;
import ai.superclip.oracle.TorchClip;
import ai.superclip.oracle.TorchOracle;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's yardstick: the SDK tests' libtorch model ({@link TorchClip}, float32) over parameters kept across
 * steps, those of {@link SuperClipModel#training} with their shapes and initial values, trained with DJL's
 * {@link AdamW} (decoupled weight decay through libtorch's fused {@code adamUpdate}, on the parameters the SDK
 * decays), or run without gradients to embed images and captions.
 */
public final class TorchModel implements AutoCloseable {
    private final ModelConfig modelConfig;
    private final TorchOracle.Config config;
    private final NDManager manager;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Map<String, Boolean> decayed = new LinkedHashMap<>();
    private final Optimizer withDecay;
    private final Optimizer withoutDecay;

    /** Builds the model of {@code config} with the SDK's initial values for {@code seed}. */
    public TorchModel(ModelConfig config, long seed, float learningRate) {
        this.modelConfig = config;
        this.config = TorchOracle.Config.of(config);
        this.manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        List<Parameter> list = SuperClipModel.training(config).graph().parameters();
        for (Parameter p : list) {
            NDArray a = owned(manager.create(p.initialValue(seed), new Shape(p.shape())));
            a.setRequiresGradient(true);
            params.put(p.name(), a);
            decayed.put(p.name(), p.decay());
        }
        var adamW = config.adamW();
        withDecay = AdamW.builder().optLearningRateTracker(Tracker.fixed(learningRate)).optBeta1(adamW.beta1())
                .optBeta2(adamW.beta2()).optEpsilon(adamW.epsilon()).optWeightDecays(adamW.weightDecay()).build();
        withoutDecay = AdamW.builder().optLearningRateTracker(Tracker.fixed(learningRate)).optBeta1(adamW.beta1())
                .optBeta2(adamW.beta2()).optEpsilon(adamW.epsilon()).optWeightDecays(0f).build();
    }

    /** A copy of {@code wrapped} (which may alias Java memory) in memory libtorch owns; {@code wrapped} is closed. */
    private static NDArray owned(NDArray wrapped) {
        NDArray copy = wrapped.duplicate();
        wrapped.close();
        return copy;
    }

    /** Fixed inputs of one batch, copied once into libtorch memory. */
    public final class Batch implements AutoCloseable {
        final NDManager inputs = manager.newSubManager();
        final NDArray pixels;
        final NDArray ids;
        final NDArray eotRows;
        final NDArray targets;

        Batch(FloatBuffer pixelValues, LongBuffer idValues, FloatBuffer targetValues, int size) {
            ModelConfig c = modelConfig;
            int s = c.vision().imageSize();
            int l = c.text().contextLength();
            pixels = owned(inputs.create(pixelValues.duplicate().rewind(), new Shape(size, 3, s, s)));
            long[] idArray = new long[size * l];
            idValues.duplicate().rewind().get(idArray);
            ids = owned(inputs.create(idArray, new Shape(size, l)));
            eotRows = owned(inputs.create(TorchClip.endOfTextRows(idArray, size, l), new Shape(size)));
            targets = targetValues == null ? null
                    : owned(inputs.create(targetValues.duplicate().rewind(), new Shape(size, c.text().vocabSize())));
        }

        @Override
        public void close() {
            inputs.close();
        }
    }

    /** Prepares one batch; {@code targets} may be null for the CLIP loss. */
    public Batch batch(FloatBuffer pixels, LongBuffer ids, FloatBuffer targets, int size) {
        return new Batch(pixels, ids, targets, size);
    }

    /** One training step: forward, backward, AdamW update, gradients zeroed. Returns the loss. */
    public float trainStep(Batch b) {
        float loss;
        try (NDManager sub = manager.newSubManager()) {
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                NDArray total = pass(sub).superclip(view(sub, b.pixels), view(sub, b.ids), view(sub, b.eotRows),
                        b.targets == null ? null : view(sub, b.targets), config).total();
                collector.backward(total);
                loss = total.getFloat();
            }
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray p = e.getValue();
                try (NDArray g = p.getGradient()) {
                    (decayed.get(e.getKey()) ? withDecay : withoutDecay).update(e.getKey(), p, g);
                    g.subi(g);
                }
            }
        }
        return loss;
    }

    /** Embeds the batch's images without gradients. */
    public void encodeImages(Batch b) {
        try (NDManager sub = manager.newSubManager()) {
            TorchClip model = pass(sub);
            TorchClip.normalize(model.imageEmbedding(model.visionTokens(view(sub, b.pixels), config))).toFloatArray();
        }
    }

    /** Embeds the batch's captions without gradients. */
    public void encodeTexts(Batch b) {
        try (NDManager sub = manager.newSubManager()) {
            TorchClip.normalize(pass(sub).textEmbedding(view(sub, b.ids), view(sub, b.eotRows), config)).toFloatArray();
        }
    }

    /** A pass over views of the parameters that {@code sub} owns, so that nothing of the pass outlives it. */
    private TorchClip pass(NDManager sub) {
        Map<String, NDArray> views = new HashMap<>();
        return new TorchClip(sub, DataType.FLOAT32, params.keySet(),
                name -> views.computeIfAbsent(name, n -> view(sub, params.get(n))));
    }

    /** A view of {@code a} owned by {@code sub}: results of operations on it go to {@code sub}. */
    private static NDArray view(NDManager sub, NDArray a) {
        NDArray view = a.reshape(a.getShape());
        view.attach(sub);
        return view;
    }

    @Override
    public void close() {
        manager.close();
    }
}
