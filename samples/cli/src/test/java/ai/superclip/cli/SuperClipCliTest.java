package ai.superclip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.artifacts.AdamW;
import ai.superclip.data.CsvDataset;
import ai.superclip.data.Sample;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.eval.Benchmarks;
import ai.superclip.eval.EvalOptions;
import ai.superclip.eval.EvalReport;
import ai.superclip.train.TrainingConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Every subcommand on small real inputs, and the errors a user meets: wrong flag, missing file, bad CSV header. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SuperClipCliTest {
    @TempDir
    static Path dir;
    static Path images;

    /** What a command printed and returned. */
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = SuperClipCli.commandLine();
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(out, true));
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        try {
            int code = cl.execute(args);
            return new Run(code, out + stdout.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(saved);
        }
    }

    @BeforeAll
    static void scenesOnDisk() throws Exception {
        images = Files.createDirectories(dir.resolve("images"));
        SyntheticScenes scenes = SyntheticScenes.builder().seed(5).count(6).build();
        for (int i = 0; i < scenes.size(); i++) {
            Sample s = scenes.read(i);
            ImageIO.write(s.image(), "png", images.resolve("scene" + i + ".png").toFile());
            Files.writeString(images.resolve("scene" + i + ".txt"), s.caption());
        }
    }

    @Test
    @Order(1)
    void everySubcommandHasHelpWithDefaults() {
        CommandLine cl = SuperClipCli.commandLine();
        for (String sub : List.of("demo", "train", "eval", "export", "artifacts", "zeroshot", "retrieve", "data", "experiments")) {
            assertEquals(0, run(sub, "--help").code(), sub);
            String usage = cl.getSubcommands().get(sub).getUsageMessage();
            assertTrue(usage.startsWith("Usage: superclip " + sub), usage);
        }
        assertTrue(cl.getSubcommands().get("train").getUsageMessage().contains("Default: 64"), "defaults shown");
    }

    @Test
    @Order(2)
    void aWrongFlagIsAOneLineErrorAndExitTwo() {
        Run r = run("train", "--no-such-flag");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--no-such-flag"), r.err());
    }

    @Test
    @Order(3)
    void artifactsAreWritten() {
        Path out = dir.resolve("artifacts");
        Run r = run("artifacts", "--model", "tiny", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(out.resolve("training_model.onnx")) && Files.exists(out.resolve("checkpoint")));
        assertTrue(r.out().contains("head"), r.out());
    }

    @Test
    @Order(4)
    void trainExportThenClassifyAndRetrieve() throws Exception {
        Path run = dir.resolve("run");
        Run t = run("train", "--steps", "2", "--batch-size", "8", "--synthetic-count", "64", "--threads", "2",
                "--save-frequency", "1", "--zeroshot-frequency", "2", "--out", run.toString(), "--quiet");
        assertEquals(0, t.code(), t.err());
        assertTrue(Files.exists(run.resolve("model/image_encoder.onnx")), t.out());
        assertTrue(Files.readString(run.resolve("metrics.jsonl")).contains("zeroshot.scenes-color.top1"),
                "validation metrics logged");
        Run resumed = run("train", "--steps", "3", "--batch-size", "8", "--synthetic-count", "64", "--threads", "2",
                "--out", run.toString(), "--resume", "latest", "--quiet");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("trained 3 steps"), resumed.out());

        Path exported = dir.resolve("exported");
        Run e = run("export", "--run", run.toString(), "--out", exported.toString());
        assertEquals(0, e.code(), e.err());
        Path report = dir.resolve("eval/report.json");
        Run ev = run("eval", "--model-dir", exported.toString(), "--count", "40", "--out", report.toString());
        assertEquals(0, ev.code(), ev.err());
        assertTrue(Files.exists(report) && ev.out().contains("retrieval.scenes.t2i_r1"), ev.out());
        // eval reads the train vocabulary and CSV options: a manifest with its own columns, and a folder
        Path manifest = dir.resolve("eval.tsv");
        Files.writeString(manifest, "path\ttext\nimages/scene0.png\ta scene\nimages/scene1.png\tanother scene\n");
        Run csv = run("eval", "--model-dir", exported.toString(), "--dataset-type", "csv", "--data", manifest.toString(),
                "--csv-img-key", "path", "--csv-caption-key", "text", "--csv-separator", "\\t",
                "--out", dir.resolve("eval/csv.json").toString());
        assertEquals(0, csv.code(), csv.err());
        assertEquals(0.5, EvalReport.readJson(dir.resolve("eval/csv.json")).metrics().get("retrieval.csv.chance_r1")
                .doubleValue(), "two images");
        Run folder = run("eval", "--model-dir", exported.toString(), "--dataset-type", "folder", "--data",
                images.toString(), "--out", dir.resolve("eval/folder.json").toString());
        assertEquals(0, folder.code(), folder.err());
        assertTrue(folder.out().contains("retrieval.folder.t2i_r1"), folder.out());
        Run z = run("zeroshot", "--model-dir", exported.toString(), "--labels", "circle,square,star",
                images.resolve("scene0.png").toString(), images.resolve("scene1.png").toString());
        assertEquals(0, z.code(), z.err());
        assertEquals(2, z.out().strip().lines().count(), z.out());
        Run q = run("retrieve", "--model-dir", exported.toString(), "--images", images.toString(), "--text", "a red circle",
                "--top-k", "3");
        assertEquals(0, q.code(), q.err());
        assertEquals(3, q.out().strip().lines().count(), q.out());
        Run i = run("retrieve", "--model-dir", exported.toString(), "--images", images.toString(), "--image",
                images.resolve("scene2.png").toString(), "--top-k", "2");
        assertEquals(0, i.code(), i.err());
        // the int8 export serves the same commands; a quantized format other than onnx is refused by name
        Path int8 = dir.resolve("int8");
        Run quantized = run("export", "--run", run.toString(), "--quantize", "int8", "--out", int8.toString());
        assertEquals(0, quantized.code(), quantized.err());
        assertTrue(Files.size(int8.resolve("image_encoder.onnx")) < Files.size(exported.resolve("image_encoder.onnx")) / 2);
        Run zq = run("zeroshot", "--model-dir", int8.toString(), "--labels", "circle,square,star",
                images.resolve("scene0.png").toString());
        assertEquals(0, zq.code(), zq.err());
        Run refused = run("export", "--run", run.toString(), "--quantize", "int8", "--format", "hf", "--out",
                dir.resolve("hf").toString());
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains("--quantize"), refused.err());
    }

    @Test
    @Order(5)
    void aMissingFileIsAOneLineError() {
        Run r = run("zeroshot", "--model-dir", dir.resolve("nowhere").toString(), "--labels", "a,b",
                images.resolve("scene0.png").toString());
        assertEquals(1, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("nowhere"), r.err());
    }

    @Test
    @Order(6)
    void aBadCsvHeaderNamesTheColumn() throws Exception {
        Path csv = dir.resolve("data.csv");
        Files.writeString(csv, "path,text\nimages/scene0.png,a scene\n");
        Run r = run("train", "--dataset-type", "csv", "--train-data", csv.toString(), "--steps", "1",
                "--out", dir.resolve("csvrun").toString(), "--quiet");
        assertEquals(1, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("filepath"), r.err());
    }

    @Test
    @Order(7)
    void dataListsTheDatasets() {
        Run r = run("data");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("scenes") && r.out().contains("fashion-mnist") && r.out().contains("emoji"));
    }

    @Test
    @Order(8)
    void trainAndEvalShareOneDatasetVocabulary() {
        CommandLine cl = SuperClipCli.commandLine();
        for (String command : List.of("train", "eval")) {
            var spec = cl.getSubcommands().get(command).getCommandSpec();
            for (String option : List.of("--dataset-type", "--csv-img-key", "--csv-caption-key", "--csv-separator")) {
                assertTrue(spec.findOption(option) != null, command + " " + option);
            }
            assertEquals(CsvDataset.DEFAULT_IMAGE_KEY, spec.findOption("--csv-img-key").defaultValueString());
        }
        for (String name : Benchmarks.DATASETS) {
            assertEquals(name, DatasetOptions.Type.of(name).id, "eval's named datasets are types of the vocabulary");
        }
        assertEquals(CsvDataset.DEFAULT_IMAGE_KEY, EvalOptions.defaults().csvImageKey());
        assertEquals(CsvDataset.DEFAULT_CAPTION_KEY, EvalOptions.defaults().csvCaptionKey());
        Run r = run("train", "--dataset-type", "idx");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("scenes, csv, folder, wds, mnist, fashion-mnist, emoji"), r.err());
    }

    @Test
    @Order(9)
    void trainDefaultsAreTrainingConfigDefaults() {
        TrainingConfig defaults = TrainingConfig.builder(TrainCommand.DEFAULT_PRESET).build();
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs();
        assertEquals(defaults.adamW(), new AdamW(train.beta1, train.beta2, train.eps, train.weightDecay,
                train.gradClipNorm));
        assertEquals(defaults.learningRate(), train.lr);
        assertEquals(defaults.batchSize(), train.batchSize);
        assertEquals(defaults.checkpointEvery(), train.saveFrequency);
        assertEquals(defaults.output(), train.out);
        assertEquals(defaults.model().lambda(), train.lambda);
    }
}
