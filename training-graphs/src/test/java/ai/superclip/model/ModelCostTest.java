package ai.superclip.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.model.ModelConfig.Loss;
import org.junit.jupiter.api.Test;

/** Parameter and MAC counts of the presets against known figures (open_clip's profile, the SuperCLIP paper). */
class ModelCostTest {

    @Test
    void everyPresetBuildsAndCounts() {
        for (String name : Presets.NAMES) {
            ModelCost cost = ModelCost.of(Presets.get(name));
            System.out.println(name + ": " + cost);
            assertTrue(cost.vision().macs() > 0 && cost.text().macs() > 0 && cost.head().macs() > 0, name);
        }
    }

    @Test
    void headOfVitL16IsAboutPointZeroSevenSevenPercentOfForwardMacs() {
        ModelCost cost = ModelCost.of(Presets.get("vit-l-16"));
        assertEquals(1024L * 49_408, cost.head().macs(), "the head's classifier, 1024 x 49408");
        assertEquals(1024L * 49_408 + 49_408 + 2 * 1024, cost.head().parameters(), "≈ 50.6 M");
        System.out.printf("vit-l-16: head %.4f GMACs, %.4f %% of %.2f GMACs%n", cost.head().macs() / 1e9,
                cost.headSharePercent(), cost.totalMacs() / 1e9);
        assertEquals(0.077, cost.headSharePercent(), 0.01);
    }

    @Test
    void clipPartsMatchOpenClipParameterCounts() {
        // open_clip's model profile: ViT-B-32 151.28 M, ViT-B-16 149.62 M (image 86.19 M, text 63.43 M)
        ModelCost b32 = ModelCost.of(Presets.get("vit-b-32").withLoss(Loss.CLIP));
        ModelCost b16 = ModelCost.of(Presets.get("vit-b-16").withLoss(Loss.CLIP));
        assertEquals(151.28, b32.totalParameters() / 1e6, 0.005);
        assertEquals(149.62, b16.totalParameters() / 1e6, 0.005);
        assertEquals(86.19, b16.vision().parameters() / 1e6, 0.005);
        assertEquals(63.43, b16.text().parameters() / 1e6, 0.005);
        assertEquals(0, b16.head().parameters());
        // the ViT-B/16 head: 768 x 49408 weights, bias and LayerNorm ≈ 38.0 M
        assertEquals(38.0, ModelCost.of(Presets.get("vit-b-16")).head().parameters() / 1e6, 0.05);
    }
}
