package ai.superclip.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.data.Split;
import ai.superclip.data.SyntheticScenes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SceneTasksTest {

    private static final SyntheticScenes SCENES = SyntheticScenes.builder().seed(2).split(Split.TEST).count(300)
            .build();

    private static List<Map<String, String>> attributes() {
        List<Map<String, String>> out = new ArrayList<>();
        for (int i = 0; i < SCENES.size(); i++) {
            out.add(SCENES.attributes(i));
        }
        return out;
    }

    @Test
    void compositionalOptionsAreTheOwnCaptionAndItsSwapInSeededOrder() {
        List<Integer> indices = IntStream.range(0, SCENES.size()).boxed().toList();
        SceneTasks.CompositionalTask task = SceneTasks.compositional(SCENES, indices, 7);
        SceneTasks.CompositionalTask again = SceneTasks.compositional(SCENES, indices, 7);
        assertArrayEquals(task.positions(), again.positions());
        assertArrayEquals(task.labels(), again.labels());
        assertEquals(task.options(), again.options());
        long pairs = indices.stream().filter(i -> SCENES.attributes(i).get("kind").equals("pair")).count();
        assertEquals(pairs, task.positions().length);
        int ones = 0;
        for (int p = 0; p < task.positions().length; p++) {
            int index = task.positions()[p];
            Map<String, String> a = SCENES.attributes(index);
            assertEquals("pair", a.get("kind"));
            String own = task.options().get(p).get(task.labels()[p]);
            String swapped = task.options().get(p).get(1 - task.labels()[p]);
            assertEquals(SCENES.caption(index), own);
            assertEquals("a " + a.get("color2") + " " + a.get("shape2") + " " + a.get("relation") + " a "
                    + a.get("color1") + " " + a.get("shape1"), swapped);
            assertNotEquals(own, swapped);
            ones += task.labels()[p];
        }
        double share = (double) ones / task.labels().length;
        assertTrue(share > 0.3 && share < 0.7, "answer order is balanced: " + share);
    }

    @Test
    void attributeTasksCoverSingleScenesWithTheirValueAsLabel() {
        List<Map<String, String>> attributes = attributes();
        SceneTasks.AttributeTask task = SceneTasks.attributeTask(SyntheticScenes.Vocabulary.BASIC, "color",
                attributes, false, 4, 1);
        assertEquals(SyntheticScenes.COLORS, task.classNames());
        assertEquals(6, task.prompts().size());
        for (int c = 0; c < 6; c++) {
            String color = SyntheticScenes.COLORS.get(c);
            assertEquals(4, task.prompts().get(c).size());
            task.prompts().get(c).forEach(p -> assertTrue(p.contains(" " + color + " "), p));
        }
        long singles = attributes.stream().filter(a -> a.get("kind").equals("single")).count();
        assertEquals(singles, task.positions().length);
        for (int k = 0; k < task.positions().length; k++) {
            Map<String, String> a = attributes.get(task.positions()[k]);
            assertEquals(a.get("color"), SyntheticScenes.COLORS.get(task.labels()[k]));
        }
    }

    @Test
    void theTailTaskKeepsTheScenesOfRareValuesWithEveryClassCompeting() {
        SyntheticScenes.Vocabulary v = SyntheticScenes.Vocabulary.LONG_TAIL;
        SyntheticScenes scenes = SyntheticScenes.builder().seed(2).count(600).vocabulary(v).build();
        List<Map<String, String>> attributes = new ArrayList<>();
        for (int i = 0; i < scenes.size(); i++) {
            attributes.add(scenes.attributes(i));
        }
        SceneTasks.AttributeTask all = SceneTasks.attributeTask(v, "color", attributes, false, 2, 1);
        SceneTasks.AttributeTask tail = SceneTasks.tail(v, all);
        assertEquals("color-tail", tail.attribute());
        assertEquals(all.classNames(), tail.classNames());
        assertEquals(all.prompts(), tail.prompts());
        int expected = 0;
        for (int k = 0; k < all.positions().length; k++) {
            expected += v.tail("color").contains(all.classNames().get(all.labels()[k])) ? 1 : 0;
        }
        assertEquals(expected, tail.positions().length);
        assertTrue(expected > 20 && expected < all.positions().length / 2, "rare colours are rare: " + expected);
        for (int k = 0; k < tail.positions().length; k++) {
            assertEquals(attributes.get(tail.positions()[k]).get("color"), tail.classNames().get(tail.labels()[k]));
            assertTrue(v.tail("color").contains(tail.classNames().get(tail.labels()[k])));
        }
        assertEquals(null, SceneTasks.tail(SyntheticScenes.Vocabulary.BASIC, SceneTasks.attributeTask(
                SyntheticScenes.Vocabulary.BASIC, "color", attributes(), false, 2, 1)), "uniform: no tail");
    }
}
