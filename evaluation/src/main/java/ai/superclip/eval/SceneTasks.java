package ai.superclip.eval;

import ai.superclip.data.SyntheticScenes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The zero-shot tasks on held-out synthetic scenes.
 *
 * <ul>
 *   <li><b>Attribute tasks</b> ({@link #attributeTask}): over the single-object scenes, classes = the values of
 *       one attribute (shape, color, count, …), each class's prototype the mean of
 *       {@link EvalOptions#promptsPerClass} captions in the training style with that value fixed and the other
 *       attributes drawn at random ({@link SyntheticScenes#promptsWith}: prompt ensembling with in-domain
 *       templates). Chance = 1 / number of values.</li>
 *   <li><b>Compositional task</b> ({@link #compositional}): over the pair scenes, a 2-way choice between the
 *       scene's own caption ("a red circle left of a blue square") and the caption with the two objects
 *       swapped ("a blue square left of a red circle"). Which of the two is option 0 is drawn from the seed
 *       per scene, so a model that cannot tell them apart (equal scores) scores 0.5 in expectation.</li>
 * </ul>
 */
public final class SceneTasks {

    private SceneTasks() {
    }

    /**
     * One attribute task.
     *
     * @param attribute the attribute, e.g. "color"
     * @param classNames its values
     * @param prompts the prompts of each class, in class order
     * @param positions positions (into the embedded scenes) of the single-object scenes evaluated
     * @param labels each evaluated scene's class
     */
    public record AttributeTask(String attribute, List<String> classNames, List<List<String>> prompts,
                                int[] positions, int[] labels) {
    }

    /**
     * The compositional task.
     *
     * @param positions positions (into the embedded scenes) of the pair scenes
     * @param options per scene its two captions, option 0 then option 1
     * @param labels per scene which option is the scene's own caption
     */
    public record CompositionalTask(int[] positions, List<List<String>> options, int[] labels) {
    }

    /**
     * The attribute task over the single-object scenes among {@code attributes} (one map per scene), with the
     * values and prompts of {@code vocabulary}.
     */
    public static AttributeTask attributeTask(SyntheticScenes.Vocabulary vocabulary, String attribute,
                                              List<Map<String, String>> attributes, boolean longStyle,
                                              int promptsPerClass, long seed) {
        List<String> classes = vocabulary.values(attribute);
        List<List<String>> prompts = new ArrayList<>();
        long promptSeed = seed * 1_000_003L + attribute.hashCode();
        for (String value : classes) {
            prompts.add(SyntheticScenes.promptsWith(vocabulary, attribute, value, promptsPerClass, promptSeed,
                    longStyle));
        }
        List<Integer> positions = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int p = 0; p < attributes.size(); p++) {
            Map<String, String> a = attributes.get(p);
            if ("single".equals(a.get("kind"))) {
                positions.add(p);
                labels.add(classes.indexOf(a.get(attribute)));
            }
        }
        return new AttributeTask(attribute, classes, prompts, positions.stream().mapToInt(Integer::intValue).toArray(),
                labels.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * The part of {@code task} whose scenes show one of the attribute's rarer values
     * ({@link SyntheticScenes.Vocabulary#tail}), with every class still competing; null when the vocabulary
     * draws the attribute uniformly or no scene shows a rare value.
     */
    public static AttributeTask tail(SyntheticScenes.Vocabulary vocabulary, AttributeTask task) {
        List<String> rare = vocabulary.tail(task.attribute());
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < task.labels().length; i++) {
            if (rare.contains(task.classNames().get(task.labels()[i]))) {
                keep.add(i);
            }
        }
        if (keep.isEmpty()) {
            return null;
        }
        return new AttributeTask(task.attribute() + "-tail", task.classNames(), task.prompts(),
                keep.stream().mapToInt(i -> task.positions()[i]).toArray(),
                keep.stream().mapToInt(i -> task.labels()[i]).toArray());
    }

    /**
     * The compositional task over the pair scenes of {@code scenes}; {@code indices.get(p)} is the dataset index
     * of embedded scene p.
     */
    public static CompositionalTask compositional(SyntheticScenes scenes, List<Integer> indices, long seed) {
        List<Integer> positions = new ArrayList<>();
        List<List<String>> options = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int p = 0; p < indices.size(); p++) {
            int index = indices.get(p);
            if (!"pair".equals(scenes.attributes(index).get("kind"))) {
                continue;
            }
            String own = scenes.caption(index);
            String swapped = scenes.swappedCaption(index);
            int label = random.nextInt(2);
            positions.add(p);
            options.add(label == 0 ? List.of(own, swapped) : List.of(swapped, own));
            labels.add(label);
        }
        return new CompositionalTask(positions.stream().mapToInt(Integer::intValue).toArray(), options,
                labels.stream().mapToInt(Integer::intValue).toArray());
    }
}
