package ai.superclip.train;

import ai.superclip.model.TextConfig;
import ai.superclip.model.VisionConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * open_clip's tower locking ({@code --lock-image}, {@code --lock-image-unlocked-groups N}, {@code --lock-text},
 * {@code --lock-text-unlocked-layers N}) as parameter-name prefixes for {@link TrainingConfig#frozenPrefixes}.
 * A tower is a list of groups: [embeddings and the first norm], each block but the last, [the last block and the
 * final norm], [the projection]; the last N groups stay trainable, the others freeze.
 */
public final class TowerLocks {
    private TowerLocks() {
    }

    /** The image tower's frozen prefixes with its last {@code unlockedGroups} groups trainable. */
    public static List<String> image(VisionConfig vision, int unlockedGroups) {
        return frozen(groups("visual.", List.of("visual.conv1.", "visual.class_embedding", "visual.positional_embedding",
                "visual.ln_pre."), vision.layers(), "visual.ln_post.", "visual.proj"), unlockedGroups, "image");
    }

    /** The text tower's frozen prefixes with its last {@code unlockedLayers} groups trainable. */
    public static List<String> text(TextConfig text, int unlockedLayers) {
        return frozen(groups("", List.of("token_embedding.", "positional_embedding"), text.layers(), "ln_final.",
                "text_projection"), unlockedLayers, "text");
    }

    private static List<List<String>> groups(String tower, List<String> embeddings, int layers, String finalNorm,
            String projection) {
        List<List<String>> groups = new ArrayList<>();
        groups.add(embeddings);
        for (int i = 0; i < layers - 1; i++) {
            groups.add(List.of(tower + "transformer.resblocks." + i + "."));
        }
        groups.add(List.of(tower + "transformer.resblocks." + (layers - 1) + ".", finalNorm));
        groups.add(List.of(projection));
        return groups;
    }

    private static List<String> frozen(List<List<String>> groups, int unlocked, String tower) {
        if (unlocked < 0 || unlocked > groups.size()) {
            throw new IllegalArgumentException("the " + tower + " tower has " + groups.size()
                    + " groups; cannot leave " + unlocked + " unlocked");
        }
        return groups.subList(0, groups.size() - unlocked).stream().flatMap(List::stream).toList();
    }
}
