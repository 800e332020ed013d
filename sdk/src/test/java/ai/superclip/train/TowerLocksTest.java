package ai.superclip.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.superclip.graph.Graph;
import ai.superclip.graph.Parameter;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.Presets;
import ai.superclip.model.SuperClipModel;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Locked towers leave exactly open_clip's last groups trainable. */
class TowerLocksTest {
    private final ModelConfig tiny = Presets.get("tiny"); // 4 layers in each tower: 6 groups each

    private Set<String> trainableAfter(List<String> frozen) {
        Graph g = SuperClipModel.training(tiny).graph();
        frozen.forEach(g::freeze);
        return g.parameters().stream().filter(Parameter::trainable).map(Parameter::name).collect(Collectors.toSet());
    }

    private Set<String> all() {
        return trainableAfter(List.of());
    }

    @Test
    void lockedImageTowerWithTwoUnlockedGroupsTrainsTheLastBlockLnPostAndProj() {
        Set<String> trainable = trainableAfter(TowerLocks.image(tiny.vision(), 2));
        Set<String> visual = trainable.stream().filter(n -> n.startsWith("visual.")).collect(Collectors.toSet());
        Set<String> expected = all().stream().filter(n -> n.startsWith("visual.transformer.resblocks.3.")
                || n.startsWith("visual.ln_post.") || n.equals("visual.proj")).collect(Collectors.toSet());
        assertEquals(expected, visual);
        assertEquals(all().stream().filter(n -> !n.startsWith("visual.")).collect(Collectors.toSet()),
                trainable.stream().filter(n -> !n.startsWith("visual.")).collect(Collectors.toSet()), "text untouched");
    }

    @Test
    void fullyLockedTextTowerLeavesImageHeadAndScaleTrainable() {
        Set<String> trainable = trainableAfter(TowerLocks.text(tiny.text(), 0));
        Set<String> expected = all().stream().filter(n -> n.startsWith("visual.") || n.startsWith("superclip_head.")
                || n.equals("logit_scale")).collect(Collectors.toSet());
        assertEquals(expected, trainable);
        assertEquals(all(), trainableAfter(TowerLocks.text(tiny.text(), 6)), "all 6 groups unlocked");
        assertThrows(IllegalArgumentException.class, () -> TowerLocks.text(tiny.text(), 7));
    }
}
