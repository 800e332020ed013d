package ai.superclip.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.superclip.graph.Parameter;
import ai.superclip.graph.Value;
import ai.superclip.model.ModelConfig.Loss;
import ai.superclip.oracle.OracleParity;
import ai.superclip.oracle.OracleParity.Comparison;
import ai.superclip.oracle.OracleTensor;
import ai.superclip.oracle.TorchOracle;
import ai.superclip.runtime.OrtRuntime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The tiny preset's loss terms and parameter gradients (our graph and autodiff, run by ONNX Runtime in float32)
 * equal libtorch autograd's (float64, {@link TorchOracle#superclip}) for identical random weights and inputs.
 */
class ModelParityTest {
    private static final int BATCH = 3;
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest
    @EnumSource(Loss.class)
    void tinyPresetMatchesLibtorch(Loss loss) throws Exception {
        ModelConfig config = Presets.get("tiny").withLoss(loss);
        SuperClipModel.Training model = SuperClipModel.training(config);
        List<Parameter> parameters = model.graph().parameters();
        Map<String, float[]> weights = OracleParity.randomWeights(parameters, 5);
        TestBatch batch = TestBatch.random(config, BATCH, 9);

        long start = System.nanoTime();
        TorchOracle.Result reference;
        try (TorchOracle oracle = new TorchOracle()) {
            Map<String, OracleTensor> oracleWeights = OracleParity.forOracle(parameters, weights);
            OracleTensor pixels = OracleTensor.fromFloats(batch.pixelShape(), batch.pixels());
            OracleTensor targets = loss == Loss.SUPERCLIP ? OracleTensor.fromFloats(batch.targetShape(), batch.targets()) : null;
            reference = oracle.superclip(oracleWeights, pixels, batch.idRows(), targets, TorchOracle.Config.of(config));
        }
        double oracleSeconds = (System.nanoTime() - start) / 1e9;

        Map<String, Value> outputs = new LinkedHashMap<>();
        outputs.put("loss", model.loss());
        outputs.putAll(model.extraOutputs());
        Map<String, OnnxTensor> feeds = batch.tensors(OrtRuntime.environment());
        Map<String, float[]> ours;
        try {
            ours = OracleParity.run(model.loss(), outputs, model.inputs(), weights, feeds);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }

        System.out.printf("%s: oracle took %.1f s; total %.6f vs %.6f, clip %.6f vs %.6f%s%n", loss,
                oracleSeconds, ours.get("loss")[0], reference.total(),
                ours.get(SuperClipModel.CLIP_LOSS)[0], reference.clip(), loss == Loss.SUPERCLIP
                        ? String.format(", cls %.6f vs %.6f", ours.get(SuperClipModel.CLS_LOSS)[0], reference.cls()) : "");
        assertClose("loss", ours.get("loss")[0], reference.total());
        assertClose("clip_loss", ours.get(SuperClipModel.CLIP_LOSS)[0], reference.clip());
        if (loss == Loss.SUPERCLIP) {
            assertClose("cls_loss", ours.get(SuperClipModel.CLS_LOSS)[0], reference.cls());
        }

        Map<String, Comparison> byGroup = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            Comparison c = Comparison.of(p.name(), ours.get(OracleParity.GRAD + p.name()), reference.gradients().get(p.name()));
            byGroup.merge(group(p.name()), c, Comparison::max);
        }
        byGroup.forEach((group, c) -> System.out.printf("  %-40s worst gradient error %.1e at %s%n", group, c.error(), c.where()));
        byGroup.forEach((group, c) -> assertTrue(c.error() < TOLERANCE, loss + ": gradient error " + c.error() + " at " + c.where()));
    }

    private static void assertClose(String what, double ours, double reference) {
        double relative = Math.abs(ours - reference) / Math.abs(reference);
        assertTrue(relative < TOLERANCE, what + ": " + ours + " vs " + reference + " (relative " + relative + ")");
    }

    /** Parameters grouped for the report: one group per block, the head, each embedding, norm or projection. */
    private static String group(String parameter) {
        int block = parameter.indexOf("resblocks.");
        if (block >= 0) {
            return parameter.substring(0, parameter.indexOf('.', block + "resblocks.".length()));
        }
        if (parameter.startsWith(SuperClipModel.HEAD_PREFIX)) {
            return "superclip_head";
        }
        return parameter.replaceAll("\\.(weight|bias)$", "");
    }
}
