package ai.superclip.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.cli.SuperClipCli;
import ai.superclip.eval.EvalReport;
import ai.superclip.eval.MeanStd;
import ai.superclip.model.ModelConfig;
import ai.superclip.runtime.LocalFiles;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentsTest {

    @TempDir
    Path dir;

    private Budget budget(Path work) {
        return new Budget("micro", 2, 2, List.of(2, 4), 8, 12, 2, 1e-3, 2, work);
    }

    /** Fake cached runs: seed s of every variant scores 0.2 + 0.2·s on every headline metric. */
    private void fakeRuns(Budget budget) throws Exception {
        for (Experiment e : Experiment.values()) {
            for (Variant v : e.variants(budget)) {
                for (int seed = 0; seed < budget.seeds(); seed++) {
                    Path run = budget.runs().resolve(v.key()).resolve("seed-" + seed);
                    EvalReport r = new EvalReport();
                    for (String key : Experiments.HEADLINE) {
                        r.put(key, 0.2 + 0.2 * seed);
                    }
                    for (String key : e.headline()) {
                        r.put(key, 0.2 + 0.2 * seed);
                    }
                    for (String a : List.of("shape", "color", "count", "compositional")) {
                        r.put("zeroshot.scenes-" + a + ".chance", a.equals("compositional") ? 0.5 : 0.25);
                    }
                    r.put("retrieval.scenes.chance_r1", 1.0 / 12);
                    r.putTraining(v.steps(), 1.0, 3.0);
                    r.writeJson(run.resolve("report.json"));
                    List<String> lines = new ArrayList<>();
                    for (int step = 1; step <= v.steps(); step++) {
                        lines.add("{\"step\":" + step + ",\"loss\":" + (5.0 - step - seed) + ",\"clip_loss\":2.0"
                                + (v.superclip() ? ",\"cls_loss\":" + (3.0 - step) : "") + "}");
                    }
                    Files.write(run.resolve(Trainer.METRICS), lines);
                }
            }
        }
    }

    @Test
    void experimentsAggregateCachedRunsIntoJsonMarkdownAndPlots() throws Exception {
        Budget budget = budget(dir.resolve("work"));
        fakeRuns(budget);
        Path out = dir.resolve("results");
        List<Experiments.Result> results = new ArrayList<>();
        for (Experiment e : Experiment.values()) {
            String name = e.id();
            Experiments.Result r = Experiments.run(e, out, budget);
            results.add(r);
            assertTrue(Files.size(out.resolve(name + ".json")) > 0);
            assertTrue(Files.readString(out.resolve(name + ".md")).contains("| chance |"));
            try (var pngs = Files.list(out)) {
                assertTrue(pngs.anyMatch(p -> p.getFileName().toString().startsWith(name)
                        && p.toString().endsWith(".png")), name);
            }
            for (var byVariant : r.byVariant().values()) {
                MeanStd m = byVariant.get("zeroshot.scenes-color.top1");
                assertEquals(0.3, m.mean(), 1e-12);
                assertEquals(Math.sqrt(0.02), m.std(), 1e-12);
                assertEquals(2, m.n());
            }
        }
        assertEquals(List.of("CLIP b2", "CLIP b4", "SuperCLIP b2", "SuperCLIP b4", "CLIP b2 (equal steps)",
                "SuperCLIP b2 (equal steps)"), List.copyOf(results.get(1).byVariant().keySet()));
        JsonNode json = new ObjectMapper().readTree(out.resolve("batch-size.json").toFile());
        assertEquals(1, json.at("/variants/SuperCLIP b4/steps").asInt(), "equal samples seen: 2·2 / 4");
        assertEquals(4, json.at("/variants/SuperCLIP b4/batch_size").asInt());
        assertEquals(1, json.at("/variants/CLIP b2 (equal steps)/steps").asInt(), "the largest batch's steps");
        assertEquals(2, json.at("/variants/CLIP b2 (equal steps)/samples").asInt());
        assertEquals(0.3, json.at("/variants/CLIP b2/metrics/retrieval.scenes.t2i_r1/mean").asDouble(), 1e-12);
        String report = Experiments.report(results, budget, 1.5, out, "READING\n");
        for (String section : List.of("## (a)", "## (b)", "## (c)", "## (d)", "## (e)",
                "results/clip-vs-superclip-bars.png", "superclip.jar experiments all --work", "## Summary", "READING",
                "SuperCLIP is better (beyond two standard errors) on")) {
            assertTrue(report.contains(section), section);
        }
    }

    @Test
    void theCommandReportsTheNamedExperimentsFromCachedRuns() throws Exception {
        Path work = dir.resolve("work");
        fakeRuns(Budget.standard(work).withSteps(2).withSeeds(2).withThreads(1));
        Path out = dir.resolve("results");
        int code = SuperClipCli.run("experiments", "captions", "clip-vs-superclip", "--work", work.toString(),
                "--steps", "2", "--seeds", "2", "--threads", "1", "--out", out.toString());
        assertEquals(0, code);
        String report = Files.readString(dir.resolve("results.md"));
        assertTrue(report.indexOf("## (a)") < report.indexOf("## (d)") && report.indexOf("## (a)") > 0,
                "sections in report order");
        assertFalse(report.contains("## (b)"), "only the experiments named");
        assertTrue(report.contains("superclip.jar experiments clip-vs-superclip captions --work"), report);
        assertTrue(Files.exists(out.resolve("captions.json")) && Files.notExists(out.resolve("batch-size.json")));
        assertEquals(2, SuperClipCli.run("experiments", "no-such-experiment"), "an unknown name is a usage error");
    }

    @Test
    void missingRunsAreLeftOutAndEachRowSaysHowManySeedsItHas() throws Exception {
        Budget budget = budget(dir.resolve("work"));
        fakeRuns(budget);
        List<Variant> variants = Experiment.CLIP_VS_SUPERCLIP.variants(budget);
        LocalFiles.deleteTree(budget.runs().resolve(variants.get(0).key()).resolve("seed-1"));
        LocalFiles.deleteTree(budget.runs().resolve(variants.get(1).key()));
        Experiments.Result r = Experiments.run(Experiment.CLIP_VS_SUPERCLIP, dir.resolve("results"), budget);
        assertEquals(1, r.byVariant().get("CLIP").get("zeroshot.scenes-color.top1").n());
        assertTrue(r.byVariant().get("SuperCLIP").isEmpty());
        assertTrue(r.markdown().contains("| CLIP | CLIP | 2 | 2 | 1 | 0.200 ± 0.000 |"), r.markdown());
        assertTrue(r.markdown().contains("| SuperCLIP | SuperCLIP | 2 | 2 | 0 | – |"), r.markdown());
        assertFalse(r.markdown().contains("→"), "no verdict on fewer than two seeds a side");
        String summary = Experiments.summary(List.of(r));
        assertTrue(summary.contains("Attribute mean top-1: SuperCLIP –, CLIP 0.200 ± 0.000"), summary);
    }

    @Test
    void aRealRunIsTrainedEvaluatedCachedAndCleanedUp() throws Exception {
        Budget budget = budget(dir.resolve("work"));
        Variant v = new Variant("SuperCLIP", ModelConfig.Loss.SUPERCLIP, 1,
                TrainingConfig.IdfMode.ONLINE, 2, 2);
        Path run = dir.resolve("run");
        EvalReport report = Experiments.runOnce(v, 0, run, budget);
        assertEquals(4L, report.metrics().get("train.samples").longValue());
        assertEquals(2L, report.metrics().get("train.steps").longValue());
        assertEquals(1.0 / 12, report.metrics().get("retrieval.scenes.chance_r1").doubleValue(), 0);
        assertTrue(report.metrics().containsKey("train.final_cls_loss"));
        double mean = report.metrics().get("summary.attribute_mean_top1").doubleValue();
        assertTrue(mean >= 0 && mean <= 1);
        assertFalse(Files.exists(run.resolve("train")), "training files are deleted");
        assertEquals(2, Files.readAllLines(run.resolve(Trainer.METRICS)).size());
        assertEquals(report.metrics(), Experiments.runOnce(v, 0, run, budget).metrics(), "read from the cache");
        String head = HeadProbe.markdown(run, 0, 12, 2);
        assertTrue(head.contains("| color |") && head.contains("| olive |") && head.contains("| crescent |"), head);
    }
}
