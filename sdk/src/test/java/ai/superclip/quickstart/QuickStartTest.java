package ai.superclip.quickstart;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.data.Split;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.inference.Model;
import ai.superclip.inference.ScoredItem;
import ai.superclip.inference.ZeroShotClassifier;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The quick-start of sdk/README.md, run as written (the README must hold the same lines), then checked. */
class QuickStartTest {

    @Test
    void quickStartTrainsAModelThatTellsColoursApart() throws Exception {
        // quick-start:begin
        SyntheticScenes scenes = SyntheticScenes.builder().count(5000).build();
        TrainingConfig config = TrainingConfig.builder("tiny").batchSize(16).steps(200).threads(2)
                .output(Path.of("target/quickstart")).build();
        try (Trainer trainer = Trainer.create(config, scenes)) {
            trainer.train();
            trainer.exportEncoders(Path.of("target/quickstart/model"));
        }
        try (Model model = Model.load(Path.of("target/quickstart/model"))) {
            ZeroShotClassifier colours = model.zeroShot(SyntheticScenes.COLORS, List.of("one {} circle", "two {} squares"));
            float[] image = model.imageEncoder().encode(List.of(scenes.read(0).image()))[0];
            System.out.println(scenes.read(0).caption() + " -> " + colours.classify(image, 1).get(0).label());
        }
        // quick-start:end

        SyntheticScenes heldOut = SyntheticScenes.builder().split(Split.TEST).count(120).build();
        int correct = 0;
        int total = 0;
        try (Model model = Model.load(Path.of("target/quickstart/model"))) {
            ZeroShotClassifier colours = model.zeroShot(SyntheticScenes.COLORS, List.of("one {} circle", "two {} squares"));
            for (int i = 0; i < heldOut.size(); i++) {
                String colour = heldOut.attributes(i).get("color");
                if (colour == null) {
                    continue; // a two-object scene
                }
                ScoredItem best = colours.classify(model.imageEncoder().encode(List.of(heldOut.read(i).image()))[0], 1).get(0);
                correct += best.label().equals(colour) ? 1 : 0;
                total++;
            }
        }
        double accuracy = correct / (double) total;
        double chance = 1.0 / SyntheticScenes.COLORS.size();
        System.out.printf("quick-start: colour zero-shot on %d held-out scenes %.3f (chance %.3f)%n", total, accuracy, chance);
        assertTrue(accuracy >= 3 * chance, "accuracy " + accuracy);
        assertTrue(readmeHoldsTheQuickStart(), "sdk/README.md must show the quick-start exactly as run here");
    }

    private static boolean readmeHoldsTheQuickStart() throws Exception {
        String source = Files.readString(Path.of("src/test/java/ai/superclip/quickstart/QuickStartTest.java"));
        String code = source.substring(source.indexOf("// quick-start:begin") + "// quick-start:begin".length(),
                source.indexOf("// quick-start:end")).stripTrailing().stripIndent().strip();
        return Files.readString(Path.of("README.md")).contains(code);
    }
}
