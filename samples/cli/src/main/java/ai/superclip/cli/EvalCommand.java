package ai.superclip.cli;

import ai.superclip.data.ImageTextDataset;
import ai.superclip.data.Split;
import ai.superclip.eval.Benchmarks;
import ai.superclip.eval.EvalOptions;
import ai.superclip.eval.EvalReport;
import ai.superclip.inference.Model;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code superclip eval}: zero-shot, retrieval and linear probe of exported encoders on a dataset. */
@Command(name = "eval", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Evaluate exported encoders: zero-shot, retrieval, linear probe; writes report.json.")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model-dir", description = "Exported encoders")
    Path modelDir = DemoCommand.MODEL;

    @Mixin
    DatasetOptions data = new DatasetOptions();

    @Option(names = "--data", description = "The data of csv, folder and wds; for mnist, fashion-mnist and emoji a"
            + " folder other than the installed one")
    Path dataPath;

    @Option(names = "--count", description = "Scenes to generate, or test records of mnist, fashion-mnist and emoji")
    int count = 1000;

    @Option(names = "--seed", description = "Seed of the held-out scenes")
    long seed = 1;

    @Option(names = "--out", description = "The report file")
    Path out = Path.of("runs", "eval", "report.json");

    @Option(names = "--agree-with", description = "Other exported encoders (e.g. the int8 export of the same model):"
            + " evaluate them on the same data too and report, per zero-shot task, the share of samples whose top-1"
            + " class both give (zeroshot.<task>.agreement_top1)")
    Path agreeWith;

    @Override
    public Integer call() throws Exception {
        EvalOptions options = EvalOptions.scenes(seed, count, data.longCaptions);
        if (data.imageSize != null) {
            options = options.withImageSize(data.imageSize);
        }
        try (Model model = Model.load(modelDir)) {
            EvalReport report = evaluate(model, options);
            if (agreeWith != null) {
                try (Model other = Model.load(agreeWith)) {
                    report.putAgreement(evaluate(other, options));
                }
            }
            report.writeJson(out);
            for (Map.Entry<String, Number> e : report.metrics().entrySet()) {
                System.out.printf("%-44s %s%n", e.getKey(), e.getValue());
            }
            System.out.println("report: " + out);
        }
        return 0;
    }

    private EvalReport evaluate(Model model, EvalOptions options) throws Exception {
        if (data.type == DatasetOptions.Type.SCENES || data.type.known != null) {
            // a dataset known by name: its own protocol (prompt sets, linear probe, attribute tasks)
            return Benchmarks.evaluate(model, data.type.id, dataPath == null ? options : options.withDataDir(dataPath));
        }
        EvalReport report = new EvalReport();
        try (ImageTextDataset records = data.open(dataPath, "--data", Split.TEST, seed, 0)) {
            Benchmarks.evaluate(model, records, data.type.id, options, report);
        }
        return report;
    }
}
