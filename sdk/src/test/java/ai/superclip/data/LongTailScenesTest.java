package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.data.SyntheticScenes.Vocabulary;
import java.awt.image.BufferedImage;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The long-tailed vocabulary of {@link SyntheticScenes} and its mixed captions. */
class LongTailScenesTest {

    private static SyntheticScenes scenes(long seed, Split split, int count) {
        return SyntheticScenes.builder().seed(seed).split(split).count(count).imageSize(48)
                .vocabulary(Vocabulary.LONG_TAIL).build();
    }

    @Test
    void scenesAreDeterministicPerSeedAndTheSplitsDisjoint() {
        SyntheticScenes train = scenes(4, Split.TRAIN, 300);
        SyntheticScenes again = scenes(4, Split.TRAIN, 300);
        Set<String> trainImages = new HashSet<>();
        for (int i = 0; i < train.size(); i++) {
            Sample a = train.read(i);
            Sample b = again.read(i);
            assertEquals(a.caption(), b.caption());
            assertEquals(a.attributes(), b.attributes());
            trainImages.add(pixels(a.image()));
            assertEquals(pixels(a.image()), pixels(b.image()), "the same image for the same seed, split and index");
        }
        SyntheticScenes test = scenes(4, Split.TEST, 300);
        SyntheticScenes otherSeed = scenes(5, Split.TRAIN, 300);
        int sameAsTrain = 0;
        int sameAsOtherSeed = 0;
        for (int i = 0; i < 300; i++) {
            sameAsTrain += trainImages.contains(pixels(test.read(i).image())) ? 1 : 0;
            sameAsOtherSeed += train.caption(i).equals(otherSeed.caption(i)) && pixels(train.read(i).image())
                    .equals(pixels(otherSeed.read(i).image())) ? 1 : 0;
        }
        assertEquals(0, sameAsTrain, "no held-out image is a training image");
        assertEquals(0, sameAsOtherSeed, "another seed draws other scenes");
    }

    @Test
    void valuesFollowZipfSoTheRareWordsAreRareButPresent() {
        SyntheticScenes train = scenes(1, Split.TRAIN, 20_000);
        Vocabulary v = Vocabulary.LONG_TAIL;
        for (String attribute : List.of("shape", "color", "texture")) {
            List<String> values = v.values(attribute);
            Map<String, Integer> counts = new HashMap<>();
            int n = 0;
            for (int i = 0; i < train.size(); i++) {
                Map<String, String> at = train.attributes(i);
                if (at.get("kind").equals("single")) {
                    counts.merge(at.get(attribute), 1, Integer::sum);
                    n++;
                }
            }
            for (int k = 0; k < values.size(); k++) {
                double expected = 1.0 / (k + 1) / harmonic(values.size());
                assertEquals(expected, v.frequency(k, values.size()), 1e-12);
                double observed = counts.getOrDefault(values.get(k), 0) / (double) n;
                double se = Math.sqrt(expected * (1 - expected) / n);
                assertEquals(expected, observed, 4 * se, attribute + " " + values.get(k));
            }
            List<String> tail = v.tail(attribute);
            assertEquals(values.subList(values.size() - values.size() / 2, values.size()), tail);
            assertTrue(tail.stream().allMatch(counts::containsKey), "every rare value occurs");
        }
        assertEquals(List.of(), Vocabulary.BASIC.tail("color"), "the basic vocabulary is uniform");
        assertEquals(List.of(), v.tail("count"), "counts are uniform");
    }

    @Test
    void everyShapeTextureAndColourIsDrawnDifferently() {
        Vocabulary v = Vocabulary.LONG_TAIL;
        SyntheticScenes many = scenes(2, Split.TRAIN, 60_000);
        Map<String, String> imageOf = new HashMap<>();
        for (int i = 0; i < many.size() && imageOf.size() < v.values("shape").size(); i++) {
            Map<String, String> at = many.attributes(i);
            if (at.get("kind").equals("single") && at.get("count").equals("1") && at.get("size").equals("large")
                    && at.get("texture").equals("solid") && at.get("position").equals("center")) {
                imageOf.putIfAbsent(at.get("shape"), mask(many.read(i).image()));
            }
        }
        assertEquals(v.values("shape").size(), imageOf.size(), "found a centred large solid scene per shape");
        assertEquals(imageOf.size(), new HashSet<>(imageOf.values()).size(), "no two shapes have the same silhouette");
        Set<String> colours = new HashSet<>();
        for (String c : v.values("color")) {
            String prompt = SyntheticScenes.promptsWith(v, "color", c, 1, 0, false).get(0);
            assertTrue(prompt.contains(" " + c + " "), prompt);
            colours.add(c);
        }
        assertEquals(14, colours.size());
    }

    @Test
    void mixedCaptionsAreTheShortOrTheLongCaptionAboutHalfEach() {
        SyntheticScenes mixed = SyntheticScenes.builder().seed(6).count(2000).vocabulary(Vocabulary.LONG_TAIL)
                .mixedCaptions(true).build();
        int longOnes = 0;
        for (int i = 0; i < mixed.size(); i++) {
            String c = mixed.caption(i);
            assertTrue(c.equals(mixed.shortCaption(i)) || c.equals(mixed.longCaption(i)), c);
            assertEquals(mixed.longCaption(i), mixed.classificationCaption(i));
            longOnes += c.equals(mixed.longCaption(i)) ? 1 : 0;
        }
        assertTrue(longOnes > 900 && longOnes < 1100, "about half long: " + longOnes);
    }

    private static double harmonic(int n) {
        double h = 0;
        for (int k = 1; k <= n; k++) {
            h += 1.0 / k;
        }
        return h;
    }

    private static String pixels(BufferedImage image) {
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                sb.append(Integer.toHexString(image.getRGB(x, y))).append(',');
            }
        }
        return sb.toString();
    }

    /** Which pixels differ from the background (the corner's colour). */
    private static String mask(BufferedImage image) {
        StringBuilder sb = new StringBuilder();
        int background = image.getRGB(0, 0);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                sb.append(image.getRGB(x, y) == background ? '.' : '#');
            }
        }
        return sb.toString();
    }
}
