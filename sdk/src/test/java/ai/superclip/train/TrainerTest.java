package ai.superclip.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.data.SyntheticScenes;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.SuperClipModel;
import ai.superclip.tokenization.ClipTokenizer;
import ai.superclip.tokenization.IdfStatistics;
import ai.superclip.tokenization.TokenTargets;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop on the tiny preset over synthetic scenes: logging, checkpoints, resume and accumulation. */
class TrainerTest {
    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SyntheticScenes SCENES = SyntheticScenes.builder().seed(3).count(256).build();

    private static TrainingConfig.Builder tiny(Path out, int steps) {
        // One intra-op thread: ONNX Runtime's multi-threaded kernels may sum in a different order run to run,
        // and AdamW turns rounding noise on zero-gradient entries (the attention key bias) into visible steps.
        return TrainingConfig.builder("tiny").batchSize(8).steps(steps).learningRate(5e-4).warmupSteps(2)
                .checkpointEvery(3).keepCheckpoints(3).logEvery(1).threads(1).seed(11).output(out);
    }

    @Test
    void resumingFromACheckpointEndsWithTheSameParameters() throws Exception {
        TrainingResult straight;
        try (Trainer t = Trainer.create(tiny(dir.resolve("straight"), 6).build(), SCENES)) {
            straight = t.train();
        }
        TrainingConfig config = tiny(dir.resolve("interrupted"), 6).build();
        crashAfterStep3(config);
        TrainingResult resumed;
        try (Trainer t = Trainer.create(config, SCENES)) {
            resumed = t.resume(null);
        }
        assertEquals(6, resumed.steps());
        assertEquals(straight.finalLoss(), resumed.finalLoss(), 1e-6);
        assertSameParameters(straight.checkpoint(), resumed.checkpoint(), 1e-6, "");
        List<String> lines = Files.readAllLines(dir.resolve("interrupted").resolve(Trainer.METRICS));
        assertEquals(6, lines.size(), "one metrics line per step across both runs");
        assertTrue(lines.get(0).contains("\"cls_loss\"") && lines.get(0).contains("\"logit_scale\""), lines.get(0));
    }

    /** Trains {@code config} until its checkpoint after step 3 is written, then crashes. */
    private static void crashAfterStep3(TrainingConfig config) throws Exception {
        try (Trainer t = Trainer.create(config, SCENES)) {
            t.addListener(new TrainingListener() {
                @Override
                public void onCheckpoint(long step, Path checkpoint) {
                    if (step == 3) {
                        throw new IllegalStateException("simulated crash after step 3");
                    }
                }
            });
            assertThrows(IllegalStateException.class, t::train);
        }
    }

    @Test
    void gradientCheckpointingTrainsLikeThePlainGraphAndResumesWithEitherSetting() throws Exception {
        TrainingResult plain;
        try (Trainer t = Trainer.create(tiny(dir.resolve("plain"), 4).build(), SCENES)) {
            plain = t.train();
        }
        TrainingConfig recomputing = tiny(dir.resolve("mixed"), 4).gradientCheckpointing(true).build();
        crashAfterStep3(recomputing);
        TrainingResult resumed;
        try (Trainer t = Trainer.create(recomputing.toBuilder().gradientCheckpointing(false).build(), SCENES)) {
            resumed = t.resume(null);
        }
        assertTrue(Files.isDirectory(dir.resolve("mixed").resolve(Trainer.ARTIFACTS + Trainer.RECOMPUTING_SUFFIX)));
        assertTrue(Files.isDirectory(dir.resolve("mixed").resolve(Trainer.ARTIFACTS)), "resume wrote the plain model");
        assertEquals(plain.finalLoss(), resumed.finalLoss(), 1e-6);
        assertSameParameters(plain.checkpoint(), resumed.checkpoint(), 1e-6, "");
    }

    @Test
    void resumeLatestWithNoCheckpointYetStartsAFreshRun() throws Exception {
        TrainingResult straight;
        try (Trainer t = Trainer.create(tiny(dir.resolve("straight"), 3).build(), SCENES)) {
            straight = t.train();
        }
        long[] startStep = {-1};
        TrainingResult fresh;
        try (Trainer t = Trainer.create(tiny(dir.resolve("preemptible"), 3).build(), SCENES)) {
            t.addListener(new TrainingListener() {
                @Override
                public void onStart(TrainingConfig config, long step) {
                    startStep[0] = step;
                }
            });
            fresh = t.resumeLatestOrTrain();
        }
        assertEquals(0, startStep[0]);
        assertEquals(3, fresh.steps());
        assertSameParameters(straight.checkpoint(), fresh.checkpoint(), 1e-6, "");
    }

    @Test
    void headGradientsAccumulateLikeOneLargeBatch() throws Exception {
        // Only the classification head trains: its gradient comes from the classification term alone, for which
        // two micro-batches of 8 must equal one batch of 16, online IDF targets included.
        List<String> frozen = List.of("visual.", "token_embedding.", "positional_embedding", "transformer.",
                "ln_final.", "text_projection", "logit_scale");
        Path a = run(tiny(dir.resolve("micro"), 3).batchSize(8).accumulation(2).frozenPrefixes(frozen).build());
        Path b = run(tiny(dir.resolve("whole"), 3).batchSize(16).accumulation(1).frozenPrefixes(frozen).build());
        assertSameParameters(a, b, 1e-6, SuperClipModel.HEAD_PREFIX);
        IdfStatistics micro = IdfStatistics.load(a.resolve(Trainer.IDF_FILE));
        IdfStatistics whole = IdfStatistics.load(b.resolve(Trainer.IDF_FILE));
        assertEquals(3, micro.samples(), "one IDF update per optimizer step");
        assertEquals(whole.samples(), micro.samples());
        assertArrayEquals(whole.frequencies(), micro.frequencies(), 1e-15);
        List<Double> microLoss = classificationLosses(dir.resolve("micro"));
        List<Double> wholeLoss = classificationLosses(dir.resolve("whole"));
        double worst = 0;
        for (int i = 0; i < 3; i++) {
            worst = Math.max(worst, Math.abs(microLoss.get(i) - wholeLoss.get(i)));
        }
        System.out.printf("classification loss, 2 x 8 vs 16 over 3 steps: largest difference %.3e%n", worst);
        assertTrue(worst < 1e-6, "cls_loss " + microLoss + " vs " + wholeLoss);
    }

    private static List<Double> classificationLosses(Path run) throws Exception {
        List<Double> losses = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve(Trainer.METRICS))) {
            losses.add(JSON.readTree(line).get("cls_loss").asDouble());
        }
        return losses;
    }

    @Test
    void resumingWithOtherIdfModeBatchSizeOrAccumulationIsRefusedUnlessAllowed() throws Exception {
        run(tiny(dir, 3).build());
        List<TrainingConfig> changed = List.of(tiny(dir, 4).idf(TrainingConfig.IdfMode.DISABLED).build(),
                tiny(dir, 4).batchSize(16).build(), tiny(dir, 4).accumulation(2).build());
        List<String> settings = List.of("IDF mode: checkpoint ONLINE, this run DISABLED",
                "batch size: checkpoint 8, this run 16", "accumulation: checkpoint 1, this run 2");
        for (int i = 0; i < changed.size(); i++) {
            try (Trainer t = Trainer.create(changed.get(i), SCENES)) {
                CheckpointException e = assertThrows(CheckpointException.class, () -> t.resume(null));
                assertTrue(e.getMessage().contains(settings.get(i)), e.getMessage());
            }
        }
        try (Trainer t = Trainer.create(changed.get(0), SCENES)) {
            TrainingResult result = t.allowResumeChanges().resume(null);
            assertEquals(4, result.steps());
            assertEquals(IdfStatistics.Mode.DISABLED, IdfStatistics.load(result.checkpoint().resolve(Trainer.IDF_FILE)).mode());
        }
    }

    @Test
    void dualCaptionContrastsShortCaptionsAndClassifiesLongOnes() throws Exception {
        TrainingConfig config = tiny(dir, 2).dualCaption(true).idf(TrainingConfig.IdfMode.OFFLINE).build();
        List<String> mismatches = new ArrayList<>();
        int[] rows = {0};
        TrainingResult result;
        try (ClipTokenizer clip = ClipTokenizer.clip(); Trainer t = Trainer.create(config, SCENES)) {
            t.batchHook((step, micro, b) -> {
                long[] ids = new long[77];
                long[] clsIds = new long[77];
                for (int i = 0; i < b.size(); i++) {
                    b.longBuffer(SuperClipModel.INPUT_IDS).get(i * 77, ids);
                    b.longBuffer(Trainer.CLS_CAPTION_IDS).get(i * 77, clsIds);
                    int index = b.index(i);
                    if (!Arrays.equals(clip.encode(SCENES.shortCaption(index)), ids)
                            || !Arrays.equals(clip.encode(SCENES.longCaption(index)), clsIds)) {
                        mismatches.add("record " + index);
                    }
                    rows[0]++;
                }
            });
            result = t.train();
            assertEquals(List.of(), mismatches);
            assertEquals(16, rows[0]);
            // the IDF statistics count the long captions, the ones the classification term reads
            List<String> longCaptions = new ArrayList<>();
            for (int i = 0; i < SCENES.size(); i++) {
                longCaptions.add(SCENES.longCaption(i));
            }
            IdfStatistics expected = IdfStatistics.offline(longCaptions, clip, TokenTargets.of(clip, true));
            IdfStatistics saved = IdfStatistics.load(result.checkpoint().resolve(Trainer.IDF_FILE));
            assertArrayEquals(expected.frequencies(), saved.frequencies());
        }
        assertTrue(Double.isFinite(result.finalLoss()));
    }

    @Test
    void impossibleSettingsFailNamingTheSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tiny(dir, 5).batchSize(0).build());
        assertTrue(e.getMessage().startsWith("batch size"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> tiny(dir, 5).learningRate(-1).build());
        assertTrue(e.getMessage().startsWith("learning rate"), e.getMessage());
    }

    private static Path run(TrainingConfig config) throws Exception {
        try (Trainer t = Trainer.create(config, SCENES)) {
            return t.train().checkpoint();
        }
    }

    private static void assertSameParameters(Path a, Path b, double tolerance, String prefix) {
        Map<String, float[]> x = InferenceExport.checkpointWeights(a.resolve(Trainer.ORT_CHECKPOINT));
        Map<String, float[]> y = InferenceExport.checkpointWeights(b.resolve(Trainer.ORT_CHECKPOINT));
        assertEquals(x.keySet(), y.keySet());
        int compared = 0;
        for (String name : x.keySet()) {
            if (!name.startsWith(prefix)) {
                continue;
            }
            for (int i = 0; i < x.get(name).length; i++) {
                assertEquals(x.get(name)[i], y.get(name)[i], tolerance, name + "[" + i + "]");
            }
            compared++;
        }
        assertTrue(compared > 0, "no parameter under '" + prefix + "'");
    }
}
