package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.HashSet;
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
}
