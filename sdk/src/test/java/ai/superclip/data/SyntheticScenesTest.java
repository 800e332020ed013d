package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyntheticScenesTest {

    private static final SyntheticScenes SCENES = SyntheticScenes.builder().seed(3).count(400).imageSize(64).build();

    @Test
    void samplesAreDeterministicAndCaptionsMatchTheirAttributes() {
        SyntheticScenes again = SyntheticScenes.builder().seed(3).count(400).imageSize(64).build();
        int pairs = 0;
        for (int i = 0; i < SCENES.size(); i++) {
            Sample a = SCENES.read(i);
            Sample b = again.read(i);
            assertEquals(a.caption(), b.caption());
            assertEquals(a.attributes(), b.attributes());
            assertEquals(a.image().getRGB(20, 30), b.image().getRGB(20, 30));
            Map<String, String> at = a.attributes();
            String longCaption = SCENES.longCaption(i);
            assertTrue(longCaption.startsWith("a photo of ") && longCaption.endsWith(at.get("background") + " background."));
            if (at.get("kind").equals("pair")) {
                pairs++;
                assertEquals(Sample.NO_LABEL, a.label(), "pairs have no single 'shape'");
                assertTrue(a.caption().startsWith("a " + at.get("color1") + " " + at.get("shape1") + " "
                        + at.get("relation") + " a " + at.get("color2") + " " + at.get("shape2")), a.caption());
                assertTrue(longCaption.contains(at.get("size2") + " " + at.get("color2") + " " + at.get("texture2")));
            } else {
                assertEquals(SyntheticScenes.SHAPES.indexOf(at.get("shape")), a.label());
                assertTrue(a.caption().contains(at.get("color") + " " + at.get("shape")), a.caption());
                assertTrue(longCaption.contains(at.get("size") + " " + at.get("color") + " " + at.get("texture")));
                int count = Integer.parseInt(at.get("count"));
                assertTrue(a.caption().startsWith(new String[] {"a ", "two ", "three "}[count - 1]));
            }
        }
        assertTrue(pairs > 60 && pairs < 140, "about a quarter are compositional pairs: " + pairs);
    }

    @Test
    void aLargeSolidObjectShowsItsColour() {
        for (int i = 0; i < SCENES.size(); i++) {
            Map<String, String> at = SCENES.attributes(i);
            if (at.get("kind").equals("single") && at.get("size").equals("large") && at.get("texture").equals("solid")
                    && at.get("count").equals("1") && at.get("position").equals("center") && at.get("shape").equals("circle")) {
                BufferedImage image = SCENES.read(i).image();
                int expected = Map.of("red", 0xDC1414, "green", 0x149628, "blue", 0x1E3CDC, "yellow", 0xF0C800,
                        "purple", 0x8228AA, "black", 0x141414).get(at.get("color"));
                assertEquals(expected, image.getRGB(32, 32) & 0xFFFFFF, SCENES.shortCaption(i));
                return;
            }
        }
        throw new AssertionError("no large solid centred circle among 400 scenes");
    }

    @Test
    void splitsHaveTheirOwnScenes() {
        SyntheticScenes validation = SyntheticScenes.builder().seed(3).count(400).split(Split.VALIDATION).build();
        Set<String> trainCaptions = new HashSet<>();
        int sameImage = 0;
        for (int i = 0; i < 400; i++) {
            trainCaptions.add(SCENES.longCaption(i));
            assertNotEquals(SCENES.id(i), validation.id(i));
            if (SCENES.longCaption(i).equals(validation.longCaption(i))) {
                sameImage++;
            }
        }
        assertTrue(sameImage < 10, "index-wise the splits are unrelated");
        assertTrue(trainCaptions.size() > 250, "the long captions are varied: " + trainCaptions.size());
    }

    @Test
    void labelsFollowTheChosenAttribute() {
        SyntheticScenes byColor = SyntheticScenes.builder().seed(3).count(50).pairFraction(0).labelAttribute("color")
                .longCaptions(true).build();
        assertEquals(SyntheticScenes.COLORS, byColor.classNames());
        Sample s = byColor.read(7);
        assertEquals(SyntheticScenes.COLORS.indexOf(s.attributes().get("color")), s.label());
        assertEquals(byColor.longCaption(7), s.caption());
    }

    @Test
    void promptsFixOneAttributeAndDrawTheOthersInTheTrainingStyle() {
        List<String> red = SyntheticScenes.promptsWith(SyntheticScenes.Vocabulary.BASIC, "color", "red", 12, 5, false);
        List<String> blue = SyntheticScenes.promptsWith(SyntheticScenes.Vocabulary.BASIC, "color", "blue", 12, 5, false);
        assertEquals(red, SyntheticScenes.promptsWith(SyntheticScenes.Vocabulary.BASIC, "color", "red", 12, 5, false), "seeded");
        assertEquals(12, red.size());
        Set<String> shapesSeen = new HashSet<>();
        for (int j = 0; j < red.size(); j++) {
            assertTrue(red.get(j).matches("(a|two|three) red \\w+"), red.get(j));
            assertEquals(red.get(j).replace(" red ", " blue "), blue.get(j), "only the fixed attribute differs");
            shapesSeen.add(red.get(j).split(" ")[2]);
        }
        assertTrue(shapesSeen.size() > 1, "the other attributes vary: " + red);

        List<String> small = SyntheticScenes.promptsWith(SyntheticScenes.Vocabulary.BASIC, "size", "small", 6, 1, true);
        List<String> large = SyntheticScenes.promptsWith(SyntheticScenes.Vocabulary.BASIC, "size", "large", 6, 1, true);
        for (int j = 0; j < small.size(); j++) {
            assertTrue(small.get(j).startsWith("a photo of ") && small.get(j).contains(" small ")
                    && small.get(j).endsWith("background."), small.get(j));
            assertEquals(small.get(j).replace(" small ", " large "), large.get(j));
        }
        for (String p : SyntheticScenes.promptsWith(SyntheticScenes.Vocabulary.BASIC, "count", "3", 5, 2, true)) {
            assertTrue(p.startsWith("a photo of three "), p);
        }
        for (String p : SyntheticScenes.promptsWith(SyntheticScenes.Vocabulary.BASIC, "position", "left", 5, 2, true)) {
            assertTrue(p.contains(" on the left side of a "), p);
        }
        assertEquals(SyntheticScenes.promptsWith(SyntheticScenes.Vocabulary.BASIC, "size", "small", 6, 1, false),
                SyntheticScenes.promptsWith(SyntheticScenes.Vocabulary.BASIC, "size", "large", 6, 1, false), "short captions do not name the size");
        assertTrue(SyntheticScenes.describedAttributes(true).containsAll(SyntheticScenes.describedAttributes(false)));
        assertEquals(List.of("shape", "color", "count"), SyntheticScenes.describedAttributes(false));
        assertEquals(SCENES.promptsWith("shape", "star", 3, 9),
                SyntheticScenes.promptsWith(SyntheticScenes.Vocabulary.BASIC, "shape", "star", 3, 9, false), "the dataset's own style");
        assertThrows(IllegalArgumentException.class, () -> SyntheticScenes.promptsWith(SyntheticScenes.Vocabulary.BASIC, "color", "pink", 3, 0, false));
        assertThrows(IllegalArgumentException.class, () -> SyntheticScenes.promptsWith(SyntheticScenes.Vocabulary.BASIC, "shape1", "star", 3, 0, false));
        assertThrows(IllegalArgumentException.class, () -> SyntheticScenes.promptsWith(SyntheticScenes.Vocabulary.BASIC, "shape", "star", 0, 0, false));
    }

    @Test
    void swappedCaptionsExchangeTheTwoObjects() {
        for (boolean longStyle : new boolean[] {false, true}) {
            SyntheticScenes scenes = SyntheticScenes.builder().seed(4).count(200).pairFraction(0.5)
                    .longCaptions(longStyle).build();
            int pairs = 0;
            for (int i = 0; i < scenes.size(); i++) {
                Map<String, String> a = scenes.attributes(i);
                assertEquals(longStyle ? scenes.longCaption(i) : scenes.shortCaption(i), scenes.caption(i));
                if (!a.get("kind").equals("pair")) {
                    int index = i;
                    assertThrows(IllegalArgumentException.class, () -> scenes.swappedCaption(index));
                    continue;
                }
                pairs++;
                String first = a.get("color1") + " " + (longStyle ? a.get("texture1") + " " : "") + a.get("shape1");
                String second = a.get("color2") + " " + (longStyle ? a.get("texture2") + " " : "") + a.get("shape2");
                String own = scenes.caption(i);
                String swapped = scenes.swappedCaption(i);
                assertNotEquals(own, swapped);
                assertTrue(own.indexOf(first) < own.lastIndexOf(second), own);
                assertTrue(swapped.indexOf(second) < swapped.lastIndexOf(first), swapped);
                String relation = longStyle ? (a.get("relation").equals("above") ? " above " : " to the left of ")
                        : " " + a.get("relation") + " ";
                assertTrue(own.contains(relation) && swapped.contains(relation), own + " / " + swapped);
                assertEquals(own.length(), swapped.length(), "same words, other order");
            }
            assertTrue(pairs > 50);
        }
    }
}
