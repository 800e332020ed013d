package ai.superclip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.superclip.data.Sample;
import ai.superclip.data.SyntheticScenes;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job end to end through the CLI entry point, on a reduced budget. */
class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void demoWritesAReportWhoseMetricsBeatChance() throws Exception {
        int code = SuperClipCli.commandLine().execute("demo", "--steps", "100", "--batch-size", "32",
                "--train-scenes", "3000", "--eval-scenes", "200", "--threads", "2", "--quiet", "--out", dir.toString());
        assertEquals(0, code);
        JsonNode r = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        assertEquals(100, r.at("/train/steps").asInt());
        assertTrue(r.at("/train/seconds").asDouble() > 0 && Double.isFinite(r.at("/train/final_loss").asDouble()));
        for (String task : new String[] {"scenes-shape", "scenes-color", "scenes-count", "scenes-compositional"}) {
            assertTrue(r.at("/zeroshot/" + task + "/top1").isNumber(), task);
            assertTrue(r.at("/zeroshot/" + task + "/chance").isNumber(), task);
        }
        double colour = r.at("/zeroshot/scenes-color/top1").asDouble();
        double colourChance = r.at("/zeroshot/scenes-color/chance").asDouble();
        assertTrue(colour >= 3 * colourChance, "colour zero-shot " + colour + " vs chance " + colourChance);
        double i2t = r.at("/retrieval/scenes/i2t_r1").asDouble();
        double t2i = r.at("/retrieval/scenes/t2i_r1").asDouble();
        double chance = r.at("/retrieval/scenes/chance_r1").asDouble();
        assertTrue(i2t > 2 * chance && t2i > 2 * chance, "retrieval R@1 " + i2t + " / " + t2i + " vs chance " + chance);
        assertTrue(dir.resolve("superclip/model/image_encoder.onnx").toFile().isFile());
    }

    /**
     * What a new user types: {@code demo}, then {@code zeroshot} and {@code retrieve} with no model flag, which find
     * the encoders the demo exported. Runs in the tests' working directory (under target/), where the default
     * {@code runs/demo} may hold an earlier run's: the demo must write over it.
     */
    @Test
    void zeroshotAndRetrieveFindTheDemosModelByDefault() throws Exception {
        long start = System.currentTimeMillis() - 2000; // file times may be coarse
        int demo = SuperClipCli.commandLine().execute("demo", "--steps", "2", "--batch-size", "8",
                "--train-scenes", "64", "--eval-scenes", "16", "--threads", "2", "--quiet");
        assertEquals(0, demo);
        Path encoder = DemoCommand.MODEL.resolve("image_encoder.onnx");
        assertTrue(Files.getLastModifiedTime(encoder).toMillis() >= start, encoder.toAbsolutePath() + " is stale");
        Path images = Files.createDirectories(dir.resolve("images"));
        SyntheticScenes scenes = SyntheticScenes.builder().seed(3).count(3).build();
        for (int i = 0; i < scenes.size(); i++) {
            Sample s = scenes.read(i);
            ImageIO.write(s.image(), "png", images.resolve("scene" + i + ".png").toFile());
        }
        assertEquals(0, SuperClipCli.commandLine().execute("zeroshot", "--labels", "circle,square,star",
                images.resolve("scene0.png").toString()));
        assertEquals(0, SuperClipCli.commandLine().execute("retrieve", "--images", images.toString(),
                "--text", "a red circle"));
    }
}
