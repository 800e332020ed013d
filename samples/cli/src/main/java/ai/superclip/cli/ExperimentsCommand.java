package ai.superclip.cli;

import ai.superclip.eval.MarkdownReport;
import ai.superclip.experiments.Budget;
import ai.superclip.experiments.Experiment;
import ai.superclip.experiments.Experiments;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code superclip experiments}: the paper-claim experiments at miniature scale and their Markdown report. */
@Command(name = "experiments", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Run the paper-claim experiments (tiny preset on synthetic scenes, several seeds), write each"
                + " one's JSON, Markdown section and plots into --out and the whole report into --report.")
final class ExperimentsCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "EXPERIMENT",
            description = "all, or any of clip-vs-superclip, batch-size, lambda-idf, captions, emoji")
    List<String> names = List.of("all");

    @Option(names = "--out", description = "Folder of each experiment's JSON, Markdown section and plots")
    Path out = Path.of("docs", "results");

    @Option(names = "--report", description = "The combined report (default: <out>.md beside --out)")
    Path report;

    @Option(names = "--work", description = "Cached runs; delete it for a fresh run")
    Path work = Path.of("target", "experiments");

    @Option(names = "--steps", description = "Optimizer steps per run at the standard batch (default: the standard budget's)")
    Integer steps;

    @Option(names = "--seeds", description = "Seeds per variant (default: the standard budget's)")
    Integer seeds;

    @Option(names = "--threads", description = "ONNX Runtime threads per run (0: all cores)")
    int threads = 1;

    @Option(names = "--jobs", description = "Runs trained at a time")
    int jobs = 2;

    @Option(names = "--notes", description = "Hand-written reading of the results put after the summary "
            + "(default: <out>/notes.md when it exists)")
    Path notes;

    @Option(names = "--report-only", description = "Train nothing: report the cached runs (rows say how many seeds)")
    boolean reportOnly;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<Experiment> experiments = experiments();
        Budget budget = Budget.standard(work).withThreads(threads);
        if (steps != null) {
            budget = budget.withSteps(steps);
        }
        if (seeds != null) {
            budget = budget.withSeeds(seeds);
        }
        Path reportFile = report != null ? report
                : out.toAbsolutePath().getParent().resolve(out.getFileName() + ".md");
        long start = System.nanoTime();
        if (!reportOnly) {
            Experiments.trainAll(experiments, budget, jobs);
        }
        List<Experiments.Result> results = new ArrayList<>();
        for (Experiment e : experiments) {
            results.add(Experiments.run(e, out, budget));
        }
        double minutes = (System.nanoTime() - start) / 60e9;
        Path notesFile = notes != null ? notes : out.resolve("notes.md");
        MarkdownReport.write(reportFile, Experiments.report(results, budget, minutes, out,
                Experiments.reading(budget, notesFile)));
        System.out.printf(Locale.ROOT, "[experiments] wrote %s and %s in %.1f min%n", reportFile, out, minutes);
        return 0;
    }

    /** The experiments named, in report order; "all" names every one. */
    private List<Experiment> experiments() {
        Set<Experiment> chosen = new LinkedHashSet<>();
        for (String name : names) {
            try {
                chosen.addAll(name.equals("all") ? Arrays.asList(Experiment.values()) : List.of(Experiment.of(name)));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        return Arrays.stream(Experiment.values()).filter(chosen::contains).toList();
    }
}
