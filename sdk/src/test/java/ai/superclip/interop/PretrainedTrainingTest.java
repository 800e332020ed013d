package ai.superclip.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.graph.Parameter;
import ai.superclip.interop.PretrainedModel.Format;
import ai.superclip.interop.PretrainedModel.IdfState;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.tokenization.IdfStatistics;
import ai.superclip.train.RunFiles;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import ai.superclip.train.TrainingResult;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training starts from a pretrained checkpoint's weights (a fresh head when it has none, its IDF statistics when
 * it has them), and a training run's checkpoint goes back out in open_clip layout with head and IDF intact.
 */
class PretrainedTrainingTest {
    private static final SyntheticScenes SCENES = SyntheticScenes.builder().seed(3).count(64).build();
    private static final long SEED = 11;

    @TempDir
    Path dir;

    private final ModelConfig tiny = Presets.get("tiny");

    private TrainingConfig.Builder oneStep(Path out, Path pretrained) {
        return TrainingConfig.builder("tiny").batchSize(8).steps(1).learningRate(1e-6).warmupSteps(0).threads(1)
                .seed(SEED).output(out).pretrained(pretrained);
    }

    @Test
    void huggingFaceWeightsBecomeTheInitialCheckpointWithAFreshHead() throws Exception {
        PretrainedModel hf = NarrowModels.model(tiny, 21, false);
        hf.save(dir.resolve("hf"), Format.HF);
        Path out = dir.resolve("run");
        try (Trainer trainer = Trainer.create(oneStep(out, dir.resolve("hf")).build(), SCENES)) {
            trainer.train();
        }
        Map<String, float[]> initial = InferenceExport.checkpointWeights(
                out.resolve(Trainer.ARTIFACTS).resolve(TrainingArtifacts.CHECKPOINT));
        for (Parameter p : PretrainedModel.parameters(tiny)) {
            float[] expected = PretrainedModel.isHead(p) ? p.initialValue(SEED) : hf.weights().get(p.name());
            assertArrayEquals(expected, initial.get(p.name()), p.name());
        }
    }

    @Test
    void superClipHeadAndIdfCarryIntoTrainingAndBackOut() throws Exception {
        double[] frequencies = new double[tiny.text().vocabSize()];
        frequencies[320] = 0.75;
        PretrainedModel superclip = new PretrainedModel(tiny, NarrowModels.weights(tiny, 22, true),
                new IdfState(frequencies, 5), InferenceExport.IMAGE_MEAN, InferenceExport.IMAGE_STD);
        superclip.save(dir.resolve("oc"), Format.OPEN_CLIP);
        Path out = dir.resolve("run");
        TrainingResult result;
        try (Trainer trainer = Trainer.create(oneStep(out, dir.resolve("oc")).build(), SCENES)) {
            result = trainer.train();
        }
        Map<String, float[]> initial = InferenceExport.checkpointWeights(
                out.resolve(Trainer.ARTIFACTS).resolve(TrainingArtifacts.CHECKPOINT));
        superclip.weights().forEach((name, values) -> assertArrayEquals(values, initial.get(name), name));
        IdfStatistics idf = IdfStatistics.load(result.checkpoint().resolve(Trainer.IDF_FILE));
        assertEquals(6, idf.samples(), "the checkpoint's 5 batches and the one trained");
        assertTrue(idf.frequencies()[320] >= 0.75);

        // back out in open_clip layout: the trained weights, head and IDF as the checkpoint holds them
        PretrainedModel trained = RunFiles.pretrained(result.checkpoint());
        trained.save(dir.resolve("back"), Format.OPEN_CLIP);
        PretrainedModel back = PretrainedModel.load(dir.resolve("back"));
        assertEquals(tiny.withTokenizer(tiny.text().vocabSize(), tiny.text().contextLength()).vision(), back.config().vision());
        trained.weights().forEach((name, values) -> assertArrayEquals(values, back.weights().get(name), name));
        assertEquals(6, back.idf().samples());
        assertArrayEquals(idf.frequencies(), back.idf().frequencies(), "float64 IDF statistics round-trip exactly");
    }

    @Test
    void aCheckpointOfAnotherArchitectureIsRefused() {
        NarrowModels.model(NarrowModels.config(ai.superclip.nn.Activation.GELU), 23, false).save(dir.resolve("narrow"),
                Format.HF);
        TrainingConfig config = oneStep(dir.resolve("run"), dir.resolve("narrow")).model(tiny).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.create(config, SCENES).train());
        assertTrue(e.getMessage().contains("not the configured"), e.getMessage());
    }
}
