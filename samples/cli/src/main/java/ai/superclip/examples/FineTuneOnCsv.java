package ai.superclip.examples;

import ai.superclip.data.CsvDataset;
import ai.superclip.train.ConsoleProgress;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import ai.superclip.train.TrainingResult;
import java.nio.file.Path;

/**
 * Trains the tiny SuperCLIP preset on your own image-caption CSV and exports the encoders.
 *
 * <pre>java -cp samples/cli/target/superclip.jar ai.superclip.examples.FineTuneOnCsv captions.csv filepath title runs/mine</pre>
 */
public final class FineTuneOnCsv {
    public static void main(String[] args) throws Exception {
        Path csv = Path.of(args[0]);
        Path out = Path.of(args.length > 3 ? args[3] : "runs/csv");
        try (CsvDataset data = CsvDataset.open(csv, args[1], args[2])) {
            TrainingConfig config = TrainingConfig.builder("tiny").batchSize(32).steps(300).learningRate(1e-3)
                    .output(out).build();
            try (Trainer trainer = Trainer.create(config, data)) {
                trainer.addListener(ConsoleProgress.forConsole());
                TrainingResult result = trainer.train();
                System.out.println("final loss " + result.finalLoss() + ", encoders in "
                        + trainer.exportEncoders(out.resolve("model")));
            }
        }
    }
}
