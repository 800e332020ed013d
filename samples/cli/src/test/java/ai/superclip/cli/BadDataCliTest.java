package ai.superclip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.data.Sample;
import ai.superclip.data.SyntheticScenes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code superclip train} end to end on a CSV manifest with bad rows (BOM, CRLF, quoted commas, an empty caption,
 * a wrong column count, a missing file, zero-byte and truncated images): {@code --on-bad-sample skip} (the default)
 * trains, warns naming each record and prints the summary; {@code fail} exits 1 with one line naming the record.
 * Runs the command line in its own JVM so that its warnings (java.util.logging on stderr) are seen as a user sees them.
 */
class BadDataCliTest {
    @TempDir
    static Path dir;
    static Path csv;
    static Path unreadableOnly;

    @BeforeAll
    static void manifestWithBadRows() throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        SyntheticScenes scenes = SyntheticScenes.builder().seed(9).count(8).build();
        StringBuilder rows = new StringBuilder("\uFEFFfilepath,title\r\n");
        for (int i = 0; i < scenes.size(); i++) {
            Sample s = scenes.read(i);
            ImageIO.write(s.image(), "png", images.resolve("s" + i + ".png").toFile());
            rows.append("images/s").append(i).append(".png,\"").append(s.caption()).append(", in a scene\"\r\n");
        }
        byte[] png = Files.readAllBytes(images.resolve("s0.png"));
        Files.write(images.resolve("empty.png"), new byte[0]);
        Files.write(images.resolve("truncated.png"), Arrays.copyOf(png, png.length / 3));
        rows.append("images/s1.png,   \r\n"); // empty caption: data row 9
        rows.append("images/s2.png,too,many\r\n"); // wrong column count: data row 10
        rows.append("images/nowhere.png,a missing file\r\n"); // data row 11
        rows.append("images/empty.png,a zero-byte image\r\n");
        rows.append("images/truncated.png,a truncated image\r\n");
        csv = Files.writeString(dir.resolve("train.csv"), rows.toString(), StandardCharsets.UTF_8);
        unreadableOnly = Files.writeString(dir.resolve("unreadable.csv"), "filepath,title\nimages/s0.png,fine\n"
                + "images/s1.png,fine\nimages/s2.png,fine\nimages/truncated.png,a truncated image\n");
    }

    record Run(int code, String output) {
    }

    private static Run superclip(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("superclip.") || name.startsWith("ai.djl.") || name.startsWith("DJL_")
                    || name.startsWith("ENGINE_") || name.startsWith("jna.")) {
                command.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SuperClipCli.class.getName()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(dir, "run", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), Files.readString(log));
    }

    private static String[] train(Path manifest, Path out, String policy) {
        return new String[] {"train", "--dataset-type", "csv", "--train-data", manifest.toString(), "--batch-size", "2",
            "--steps", "2", "--threads", "1", "--save-frequency", "0", "--on-bad-sample", policy, "--quiet",
            "--out", out.toString()};
    }

    @Test
    void skipTrainsWarnsNamingEachRecordAndPrintsTheSummary() throws Exception {
        Run r = superclip(train(csv, dir.resolve("skip"), "skip"));
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("trained 2 steps"), r.output());
        for (String record : List.of("row 9", "row 10", "nowhere.png")) {
            assertTrue(r.output().contains(record), "a warning names " + record + ":\n" + r.output());
        }
        String summary = r.output().lines().filter(l -> l.startsWith("bad samples: ")).findFirst().orElse("");
        assertTrue(summary.contains("bad samples skipped") && summary.contains("EMPTY_CAPTION=1")
                && summary.contains("MALFORMED_ROW=1") && summary.contains("MISSING_FILE=1"), r.output());
    }

    @Test
    void failExitsNonZeroWithOneLineNamingTheRecord() throws Exception {
        Run r = superclip(train(csv, dir.resolve("fail"), "fail"));
        assertEquals(1, r.code(), r.output());
        List<String> errors = r.output().lines().filter(l -> l.startsWith("superclip train: ")).toList();
        assertEquals(1, errors.size(), r.output());
        assertTrue(errors.get(0).contains("train.csv:row 9") && errors.get(0).contains("empty caption"), errors.get(0));
        assertEquals(1, r.output().strip().lines().count(), "nothing but the one line:\n" + r.output());
    }

    @Test
    void failOnAnImageOnlyFoundBadWhileTrainingNamesTheFile() throws Exception {
        Run r = superclip(train(unreadableOnly, dir.resolve("fail-image"), "fail"));
        assertEquals(1, r.code(), r.output());
        List<String> errors = r.output().lines().filter(l -> l.startsWith("superclip train: ")).toList();
        assertEquals(1, errors.size(), r.output());
        assertTrue(errors.get(0).contains("truncated.png"), errors.get(0));
    }
}
