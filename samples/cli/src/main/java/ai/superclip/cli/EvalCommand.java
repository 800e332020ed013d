package ai.superclip.cli;

import ai.superclip.eval.Benchmarks;
import ai.superclip.eval.EvalOptions;
import ai.superclip.eval.EvalReport;
import ai.superclip.inference.Model;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code superclip eval}: zero-shot, retrieval and linear probe of exported encoders on a dataset. */
@Command(name = "eval", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Evaluate exported encoders: zero-shot, retrieval, linear probe; writes report.json.")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model-dir", description = "Exported encoders")
    Path modelDir = DemoCommand.MODEL;

    @Option(names = "--dataset", description = "scenes, mnist, fashion-mnist, emoji or csv")
    String dataset = "scenes";

    @Option(names = "--csv", description = "CSV manifest (with --dataset csv)")
    Path csv;

    @Option(names = "--csv-img-key", description = "CSV image column")
    String csvImageKey = "filepath";

    @Option(names = "--csv-caption-key", description = "CSV caption column")
    String csvCaptionKey = "title";

    @Option(names = "--count", description = "Records to evaluate (held-out scenes to generate)")
    int count = 1000;

    @Option(names = "--long-captions", description = "Scenes: long captions")
    boolean longCaptions;

    @Option(names = "--seed", description = "Seed of the held-out scenes")
    long seed = 1;

    @Option(names = "--out", description = "The report file")
    Path out = Path.of("runs", "eval", "report.json");

    @Override
    public Integer call() throws Exception {
        EvalOptions options = EvalOptions.scenes(seed, count, longCaptions);
        if (csv != null) {
            options = options.withCsv(csv, csvImageKey, csvCaptionKey);
        }
        try (Model model = Model.load(modelDir)) {
            EvalReport report = Benchmarks.evaluate(model, dataset, options);
            report.writeJson(out);
            for (Map.Entry<String, Number> e : report.metrics().entrySet()) {
                System.out.printf("%-44s %s%n", e.getKey(), e.getValue());
            }
            System.out.println("report: " + out);
        }
        return 0;
    }
}
