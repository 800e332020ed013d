package ai.superclip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
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
}
