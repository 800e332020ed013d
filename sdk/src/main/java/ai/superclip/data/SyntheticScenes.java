package ai.superclip.data;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A built-in captioned-scenes dataset that needs no download: seeded scenes of simple shapes,
 * rendered with Java2D, with a short and a long caption each. The vocabulary is small on purpose
 * (5 shapes, 6 well-separated colours, 2 sizes, 5 positions, counts 1–3, 3 textures, 3
 * backgrounds) so that a tiny model learns it in minutes.
 *
 * <p>Two kinds of scene:
 * <ul>
 *   <li>{@code single}: one to three equal objects in one region, e.g. short
 *       "two red circles", long "a photo of two small red striped circles on the left side of a
 *       light gray background."; attributes {@code shape, color, size, texture, position, count,
 *       background}.</li>
 *   <li>{@code pair} (compositional): two different objects side by side or one above the other,
 *       e.g. short "a red circle left of a blue square", long "a photo of a small red solid
 *       circle to the left of a large blue dotted square on a white background."; attributes
 *       {@code shape1, color1, size1, texture1, relation, shape2, color2, size2, texture2,
 *       background}.</li>
 * </ul>
 * <p>Two vocabularies ({@link Vocabulary}): {@code BASIC} draws every value uniformly from the small lists above;
 * {@code LONG_TAIL} has 10 shapes, 14 colours and 5 textures drawn with Zipf frequencies (the k-th value with
 * weight 1/k), so that the rarer words ("olive", "crescent", "hollow") are the fine-grained ones that still
 * decide what the image shows.
 *
 * <p>Captions are short, long or, with {@link Builder#mixedCaptions}, one of the two per sample.
 * Every sample also has attribute {@code kind}. {@link #values(String)} gives each attribute's
 * vocabulary, so a zero-shot task per attribute is: class names = {@code values(attr)}, label =
 * the index of the sample's value ({@link Builder#labelAttribute}).
 *
 * <p>Sample {@code i} depends only on the seed, the split and {@code i}; each {@link Split} uses
 * its own stream of scenes, so splits are disjoint by construction. Record id:
 * {@code synthetic-<seed>-<split>#<i>}.
 */
public final class SyntheticScenes implements ImageTextDataset {

    public static final List<String> SHAPES = List.of("circle", "square", "triangle", "star", "cross");
    public static final List<String> COLORS = List.of("red", "green", "blue", "yellow", "purple", "black");
    public static final List<String> SIZES = List.of("small", "large");
    public static final List<String> POSITIONS = List.of("left", "right", "top", "bottom", "center");
    public static final List<String> COUNTS = List.of("1", "2", "3");
    public static final List<String> TEXTURES = List.of("solid", "striped", "dotted");
    public static final List<String> BACKGROUNDS = List.of("white", "light gray", "gray");
    public static final List<String> RELATIONS = List.of("left of", "above");
    public static final List<String> KINDS = List.of("single", "pair");

    private static final Color[] BACKGROUND_RGB = {new Color(250, 250, 250), new Color(205, 205, 205),
        new Color(150, 150, 150)};
    private static final List<String> NUMBER_WORDS = List.of("a", "two", "three");
    private static final List<String> POSITION_PHRASES = List.of("on the left side of", "on the right side of",
            "at the top of", "at the bottom of", "in the center of");
    private static final List<String> RELATION_PHRASES = List.of("to the left of", "above");
    private static final double[] SIZE_FRACTIONS = {0.14, 0.26};
    /** Region of each position as {x0, y0, x1, y1} in fractions of the image side. */
    private static final double[][] REGIONS = {{0.04, 0.04, 0.42, 0.96}, {0.58, 0.04, 0.96, 0.96},
        {0.04, 0.04, 0.96, 0.42}, {0.04, 0.58, 0.96, 0.96}, {0.12, 0.3, 0.88, 0.7}};

    private final long seed;
    private final Split split;
    private final int imageSize;
    private final int count;
    private final double pairFraction;
    private final boolean longCaptions;
    private final boolean mixedCaptions;
    private final Vocabulary vocabulary;
    private final String labelAttribute;
    private final BadSamples badSamples = BadSamples.skip();

    /**
     * The words and colours of the shapes, colours and textures, and how often each is drawn: the k-th value of
     * each list with weight {@code 1 / k^zipf} (0: uniformly).
     */
    public enum Vocabulary {
        /** The five shapes, six colours and three textures above, drawn uniformly. */
        BASIC(SHAPES, List.of("circles", "squares", "triangles", "stars", "crosses"), COLORS,
                new Color[] {new Color(220, 20, 20), new Color(20, 150, 40), new Color(30, 60, 220),
                    new Color(240, 200, 0), new Color(130, 40, 170), new Color(20, 20, 20)}, TEXTURES, 0),
        /** Ten shapes, fourteen colours and five textures, Zipf-distributed (most frequent first). */
        LONG_TAIL(List.of("circle", "square", "triangle", "star", "cross", "diamond", "hexagon", "ring", "arrow",
                "crescent"), List.of("circles", "squares", "triangles", "stars", "crosses", "diamonds", "hexagons",
                "rings", "arrows", "crescents"), List.of("red", "blue", "green", "yellow", "black", "purple", "orange",
                "pink", "brown", "cyan", "magenta", "lime", "navy", "olive"),
                new Color[] {new Color(220, 20, 20), new Color(30, 60, 220), new Color(20, 150, 40),
                    new Color(240, 200, 0), new Color(20, 20, 20), new Color(130, 40, 170), new Color(255, 130, 0),
                    new Color(255, 130, 190), new Color(120, 70, 20), new Color(0, 200, 220), new Color(230, 0, 200),
                    new Color(150, 240, 0), new Color(10, 20, 110), new Color(110, 120, 20)},
                List.of("solid", "striped", "dotted", "checkered", "hollow"), 1);

        private final List<String> shapes;
        private final List<String> pluralShapes;
        private final List<String> colors;
        private final Color[] rgb;
        private final List<String> textures;
        private final double zipf;

        Vocabulary(List<String> shapes, List<String> pluralShapes, List<String> colors, Color[] rgb,
                   List<String> textures, double zipf) {
            this.shapes = shapes;
            this.pluralShapes = pluralShapes;
            this.colors = colors;
            this.rgb = rgb;
            this.textures = textures;
            this.zipf = zipf;
        }

        /** The values of an attribute, e.g. {@code values("color")} or {@code values("shape2")}, most frequent first. */
        public List<String> values(String attribute) {
            return switch (attribute.replaceAll("[12]$", "")) {
                case "shape" -> shapes;
                case "color" -> colors;
                case "texture" -> textures;
                default -> SyntheticScenes.values(attribute);
            };
        }

        /**
         * The rarer half of an attribute's values (the last ⌊n/2⌋ of {@link #values}) when they are drawn with
         * Zipf frequencies; empty when every value is equally frequent.
         */
        public List<String> tail(String attribute) {
            List<String> all = values(attribute);
            boolean zipfDrawn = zipf > 0 && List.of("shape", "color", "texture")
                    .contains(attribute.replaceAll("[12]$", ""));
            return zipfDrawn ? all.subList(all.size() - all.size() / 2, all.size()) : List.of();
        }

        /** The share of the draws that value {@code k} of {@code n} gets. */
        public double frequency(int k, int n) {
            double total = 0;
            for (int j = 0; j < n; j++) {
                total += weight(j);
            }
            return weight(k) / total;
        }

        private double weight(int k) {
            return Math.pow(k + 1, -zipf);
        }

        /** A value index in [0, n): uniform for {@code zipf = 0} (one {@code nextInt}), else Zipf. */
        private int draw(SplittableRandom random, int n) {
            if (zipf == 0) {
                return random.nextInt(n);
            }
            double u = random.nextDouble();
            for (int k = 0; k < n - 1; k++) {
                u -= frequency(k, n);
                if (u < 0) {
                    return k;
                }
            }
            return n - 1;
        }

        private Thing thing(SplittableRandom random) {
            return new Thing(draw(random, shapes.size()), draw(random, colors.size()), random.nextInt(SIZES.size()),
                    draw(random, textures.size()));
        }
    }

    /** One object: indices into its vocabulary's shapes, colours, textures and into SIZES. */
    private record Thing(int shape, int color, int size, int texture) {
    }

    /** A scene: either {@code count} copies of {@code first} at {@code position}, or a pair. */
    private record Scene(Thing first, Thing second, int relation, int position, int count, int background) {
        boolean isPair() {
            return second != null;
        }
    }

    private SyntheticScenes(Builder b) {
        this.seed = b.seed;
        this.split = b.split;
        this.imageSize = b.imageSize;
        this.count = b.count;
        this.pairFraction = b.pairFraction;
        this.longCaptions = b.longCaptions;
        this.mixedCaptions = b.mixedCaptions;
        this.vocabulary = b.vocabulary;
        this.labelAttribute = b.labelAttribute;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a synthetic dataset; every setting has a default. */
    public static final class Builder {
        private long seed = 0;
        private Split split = Split.TRAIN;
        private int imageSize = 64;
        private int count = 10_000;
        private double pairFraction = 0.25;
        private boolean longCaptions = false;
        private boolean mixedCaptions = false;
        private Vocabulary vocabulary = Vocabulary.BASIC;
        private String labelAttribute = "shape";

        /** Seed of the whole dataset (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Which split's scenes to generate (default TRAIN); each split has its own scenes. */
        public Builder split(Split split) {
            this.split = split;
            return this;
        }

        /** Side of the rendered square images in pixels (default 64). */
        public Builder imageSize(int pixels) {
            this.imageSize = pixels;
            return this;
        }

        /** Number of samples (default 10,000). */
        public Builder count(int samples) {
            this.count = samples;
            return this;
        }

        /** Share of compositional two-object scenes (default 0.25). */
        public Builder pairFraction(double fraction) {
            this.pairFraction = fraction;
            return this;
        }

        /** Whether {@link Sample#caption()} is the long detailed caption (default: the short one). */
        public Builder longCaptions(boolean useLong) {
            this.longCaptions = useLong;
            return this;
        }

        /**
         * Whether {@link Sample#caption()} is, per sample, the short or the long caption (each with probability
         * 1/2, drawn from the seed and the index; default false). Overrides {@link #longCaptions}.
         */
        public Builder mixedCaptions(boolean mixed) {
            this.mixedCaptions = mixed;
            return this;
        }

        /** The shapes, colours and textures and their frequencies (default {@link Vocabulary#BASIC}). */
        public Builder vocabulary(Vocabulary v) {
            this.vocabulary = java.util.Objects.requireNonNull(v, "vocabulary");
            return this;
        }

        /** The attribute whose value index is {@link Sample#label()} (default "shape"). */
        public Builder labelAttribute(String attribute) {
            values(attribute);
            this.labelAttribute = attribute;
            return this;
        }

        public SyntheticScenes build() {
            if (imageSize < 16 || count < 1 || pairFraction < 0 || pairFraction > 1) {
                throw new IllegalArgumentException("need imageSize >= 16, count >= 1 and 0 <= pairFraction <= 1");
            }
            return new SyntheticScenes(this);
        }
    }

    /** The {@link Vocabulary#BASIC} values of an attribute, e.g. {@code values("color")} or {@code values("shape2")}. */
    public static List<String> values(String attribute) {
        switch (attribute.replaceAll("[12]$", "")) {
            case "shape": return SHAPES;
            case "color": return COLORS;
            case "size": return SIZES;
            case "texture": return TEXTURES;
            case "position": return POSITIONS;
            case "count": return COUNTS;
            case "background": return BACKGROUNDS;
            case "relation": return RELATIONS;
            case "kind": return KINDS;
            default: throw new IllegalArgumentException("unknown attribute '" + attribute + "'");
        }
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public String id(int index) {
        return "synthetic-" + seed + "-" + split.name().toLowerCase(Locale.ROOT) + "#" + index;
    }

    /** The attributes of sample {@code index}, without rendering it. */
    public Map<String, String> attributes(int index) {
        Scene scene = scene(random(index));
        Vocabulary v = vocabulary;
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("kind", KINDS.get(scene.isPair() ? 1 : 0));
        if (scene.isPair()) {
            putThing(attributes, v, "1", scene.first());
            attributes.put("relation", RELATIONS.get(scene.relation()));
            putThing(attributes, v, "2", scene.second());
        } else {
            putThing(attributes, v, "", scene.first());
            attributes.put("position", POSITIONS.get(scene.position()));
            attributes.put("count", COUNTS.get(scene.count() - 1));
        }
        attributes.put("background", BACKGROUNDS.get(scene.background()));
        return attributes;
    }

    /**
     * The caption of sample {@code index} in this dataset's style (short, long or mixed, see
     * {@link Builder#longCaptions} and {@link Builder#mixedCaptions}).
     */
    @Override
    public String caption(int index) {
        return caption(vocabulary, scene(random(index)), longStyle(index));
    }

    /** Whether sample {@code index}'s caption is the long one. */
    private boolean longStyle(int index) {
        return mixedCaptions ? (Hashing.mix(seed, split.ordinal(), index, 1) & 1) == 1 : longCaptions;
    }

    /** The long caption, naming every attribute: the classification caption of DualCaption training. */
    @Override
    public String classificationCaption(int index) {
        return longCaption(index);
    }

    /** The short caption of sample {@code index}, e.g. "two red circles". */
    public String shortCaption(int index) {
        return caption(vocabulary, scene(random(index)), false);
    }

    /** The long caption of sample {@code index}, naming every attribute. */
    public String longCaption(int index) {
        return caption(vocabulary, scene(random(index)), true);
    }

    /**
     * The caption of pair scene {@code index} with its two objects exchanged, in this dataset's style: for
     * "a red circle left of a blue square" it is "a blue square left of a red circle". The relation and the
     * background stay; the two objects always differ in shape or colour, so the swap is a different caption.
     *
     * @throws IllegalArgumentException if sample {@code index} is a single-object scene
     */
    public String swappedCaption(int index) {
        Scene scene = scene(random(index));
        if (!scene.isPair()) {
            throw new IllegalArgumentException(id(index) + " is a single-object scene; only pair scenes can be swapped");
        }
        Scene swapped = new Scene(scene.second(), scene.first(), scene.relation(), scene.position(), scene.count(),
                scene.background());
        return caption(vocabulary, swapped, longStyle(index));
    }

    /** Whether this dataset's captions are the long ones (see also {@link #mixedCaptions()}). */
    public boolean longCaptions() {
        return longCaptions;
    }

    /** Whether each sample's caption is, at random, its short or its long one. */
    public boolean mixedCaptions() {
        return mixedCaptions;
    }

    /** The shapes, colours and textures this dataset draws from. */
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** The dataset's seed. */
    public long seed() {
        return seed;
    }

    /** The split whose scenes this dataset generates. */
    public Split split() {
        return split;
    }

    /**
     * The single-scene attributes a caption style names: short captions name {@code shape, color, count};
     * long captions also {@code size, texture, position, background}.
     */
    public static List<String> describedAttributes(boolean longStyle) {
        return longStyle ? List.of("shape", "color", "count", "size", "texture", "position", "background")
                : List.of("shape", "color", "count");
    }

    /**
     * {@code n} captions of single-object scenes in this dataset's caption style with {@code attribute} fixed
     * to {@code value} and every other attribute drawn at random; see
     * {@link #promptsWith(String, String, int, long, boolean)}.
     */
    public List<String> promptsWith(String attribute, String value, int n, long promptSeed) {
        return promptsWith(vocabulary, attribute, value, n, promptSeed, longCaptions);
    }

    /**
     * {@code n} captions of single-object scenes, in the short or long training style, with {@code attribute}
     * fixed to {@code value} and the other attributes drawn as a dataset of {@code vocabulary} draws them, e.g. for
     * color = red: "two red stars", "a red square", …. Prompt {@code j} draws its other attributes from
     * {@code (promptSeed, j)} alone, so the prompts of two values of one attribute differ only in that
     * attribute (common random numbers): a zero-shot classifier built from them compares like with like.
     * A style that does not name the attribute ({@link #describedAttributes}) gives the same prompts for
     * every value.
     *
     * @param attribute one of {@code shape, color, size, texture, position, count, background}
     * @param value one of {@link Vocabulary#values(String) vocabulary.values(attribute)}
     * @throws IllegalArgumentException for an unknown attribute or value, or {@code n < 1}
     */
    public static List<String> promptsWith(Vocabulary vocabulary, String attribute, String value, int n,
                                           long promptSeed, boolean longStyle) {
        int v = vocabulary.values(attribute).indexOf(value);
        if (v < 0 || attribute.matches(".*[12]$") || attribute.equals("relation") || attribute.equals("kind")) {
            throw new IllegalArgumentException("no single-scene attribute '" + attribute + "' with value '" + value
                    + "'");
        }
        if (n < 1) {
            throw new IllegalArgumentException("need at least one prompt, got " + n);
        }
        List<String> prompts = new ArrayList<>(n);
        for (int j = 0; j < n; j++) {
            SplittableRandom random = new SplittableRandom(Hashing.mix(promptSeed, j));
            Thing t = vocabulary.thing(random);
            int position = random.nextInt(POSITIONS.size());
            int count = 1 + random.nextInt(3);
            int background = random.nextInt(BACKGROUNDS.size());
            switch (attribute) {
                case "shape" -> t = new Thing(v, t.color(), t.size(), t.texture());
                case "color" -> t = new Thing(t.shape(), v, t.size(), t.texture());
                case "size" -> t = new Thing(t.shape(), t.color(), v, t.texture());
                case "texture" -> t = new Thing(t.shape(), t.color(), t.size(), v);
                case "position" -> position = v;
                case "count" -> count = v + 1;
                case "background" -> background = v;
                default -> throw new IllegalArgumentException("unknown attribute '" + attribute + "'");
            }
            prompts.add(caption(vocabulary, new Scene(t, null, 0, position, count, background), longStyle));
        }
        return prompts;
    }

    private static String caption(Vocabulary v, Scene scene, boolean longStyle) {
        if (!longStyle) {
            if (scene.isPair()) {
                return "a " + name(v, scene.first(), false) + " " + RELATIONS.get(scene.relation()) + " a "
                        + name(v, scene.second(), false);
            }
            Thing t = scene.first();
            return NUMBER_WORDS.get(scene.count() - 1) + " " + v.colors.get(t.color()) + " "
                    + (scene.count() == 1 ? v.shapes : v.pluralShapes).get(t.shape());
        }
        String background = " a " + BACKGROUNDS.get(scene.background()) + " background.";
        if (scene.isPair()) {
            return "a photo of a " + name(v, scene.first(), true) + " " + RELATION_PHRASES.get(scene.relation())
                    + " a " + name(v, scene.second(), true) + " on" + background;
        }
        Thing t = scene.first();
        return "a photo of " + NUMBER_WORDS.get(scene.count() - 1) + " " + SIZES.get(t.size()) + " "
                + v.colors.get(t.color()) + " " + v.textures.get(t.texture()) + " "
                + (scene.count() == 1 ? v.shapes : v.pluralShapes).get(t.shape()) + " "
                + POSITION_PHRASES.get(scene.position()) + background;
    }

    @Override
    public Sample read(int index) {
        Map<String, String> attributes = attributes(index);
        String value = attributes.get(labelAttribute);
        int label = value == null ? Sample.NO_LABEL : vocabulary.values(labelAttribute).indexOf(value);
        return new Sample(id(index), render(index), caption(index), label,
                attributes);
    }

    /** The vocabulary of the label attribute. */
    @Override
    public List<String> classNames() {
        return vocabulary.values(labelAttribute);
    }

    /** Always empty: generated samples cannot be bad. */
    @Override
    public BadSamples badSamples() {
        return badSamples;
    }

    private SplittableRandom random(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("sample " + index + " of " + count);
        }
        return new SplittableRandom(Hashing.mix(seed, split.ordinal(), index));
    }

    /** Draws the scene; the same generator then drives the layout jitter in {@link #render}. */
    private Scene scene(SplittableRandom random) {
        boolean pair = random.nextDouble() < pairFraction;
        Thing first = vocabulary.thing(random);
        int background = random.nextInt(BACKGROUNDS.size());
        if (!pair) {
            return new Scene(first, null, 0, random.nextInt(POSITIONS.size()), 1 + random.nextInt(3), background);
        }
        Thing second;
        do {
            second = vocabulary.thing(random);
        } while (second.shape() == first.shape() && second.color() == first.color());
        return new Scene(first, second, random.nextInt(RELATIONS.size()), 0, 2, background);
    }

    private static void putThing(Map<String, String> attributes, Vocabulary v, String suffix, Thing t) {
        attributes.put("shape" + suffix, v.shapes.get(t.shape()));
        attributes.put("color" + suffix, v.colors.get(t.color()));
        attributes.put("size" + suffix, SIZES.get(t.size()));
        attributes.put("texture" + suffix, v.textures.get(t.texture()));
    }

    private static String name(Vocabulary v, Thing t, boolean detailed) {
        String colorShape = v.colors.get(t.color()) + " " + (detailed ? v.textures.get(t.texture()) + " " : "")
                + v.shapes.get(t.shape());
        return detailed ? SIZES.get(t.size()) + " " + colorShape : colorShape;
    }

    private BufferedImage render(int index) {
        SplittableRandom random = random(index);
        Scene scene = scene(random);
        int s = imageSize;
        BufferedImage image = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(BACKGROUND_RGB[scene.background()]);
            g.fillRect(0, 0, s, s);
            if (scene.isPair()) {
                boolean beside = scene.relation() == 0;
                double across = 0.5 + (random.nextDouble() - 0.5) * 0.3;
                double[][] centres = {{0.27, across}, {0.73, across}};
                for (int k = 0; k < 2; k++) {
                    double along = centres[k][0] + (random.nextDouble() - 0.5) * 0.08;
                    double cx = beside ? along : centres[k][1];
                    double cy = beside ? centres[k][1] : along;
                    draw(g, vocabulary, k == 0 ? scene.first() : scene.second(), cx * s, cy * s, s);
                }
            } else {
                double[] region = REGIONS[scene.position()];
                boolean horizontal = region[2] - region[0] > region[3] - region[1];
                double size = SIZE_FRACTIONS[scene.first().size()];
                double longStart = horizontal ? region[0] : region[1];
                double slot = ((horizontal ? region[2] : region[3]) - longStart) / scene.count();
                double crossStart = horizontal ? region[1] : region[0];
                double crossLength = (horizontal ? region[3] : region[2]) - crossStart;
                for (int k = 0; k < scene.count(); k++) {
                    double along = longStart + slot * (k + 0.5) + jitter(random, slot - size);
                    double across = crossStart + crossLength / 2 + jitter(random, crossLength - size);
                    draw(g, vocabulary, scene.first(), (horizontal ? along : across) * s, (horizontal ? across : along) * s,
                            s);
                }
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /** A random offset that keeps an object inside free space {@code room} (half of it used). */
    private static double jitter(SplittableRandom random, double room) {
        return room > 0 ? (random.nextDouble() - 0.5) * room * 0.5 : 0;
    }

    private static void draw(Graphics2D g, Vocabulary v, Thing t, double cx, double cy, int imageSize) {
        double d = SIZE_FRACTIONS[t.size()] * imageSize;
        Shape shape = outline(v.shapes.get(t.shape()), cx, cy, d);
        Color color = v.rgb[t.color()];
        g.setColor(color);
        String texture = v.textures.get(t.texture());
        if (texture.equals("hollow")) {
            g.setStroke(new BasicStroke((float) Math.max(1, d / 7)));
            g.draw(shape);
            return;
        }
        g.fill(shape);
        if (texture.equals("solid")) {
            return;
        }
        Color tint = new Color((color.getRed() + 255) / 2, (color.getGreen() + 255) / 2, (color.getBlue() + 255) / 2);
        Shape clip = g.getClip();
        g.clip(shape);
        g.setColor(tint);
        double step = Math.max(3, d / 4);
        if (texture.equals("striped")) {
            g.setStroke(new BasicStroke((float) (step / 2.5)));
            for (double o = -d; o <= d; o += step) {
                g.draw(new Line2D.Double(cx + o - d, cy + d, cx + o + d, cy - d));
            }
        } else if (texture.equals("checkered")) {
            double cell = Math.max(2, d / 4);
            for (int i = 0; i * cell < d; i++) {
                for (int j = i % 2; j * cell < d; j += 2) {
                    g.fill(new Rectangle2D.Double(cx - d / 2 + i * cell, cy - d / 2 + j * cell, cell, cell));
                }
            }
        } else {
            double r = step / 3.5;
            for (double x = cx - d / 2 + step / 2; x < cx + d / 2; x += step) {
                for (double y = cy - d / 2 + step / 2; y < cy + d / 2; y += step) {
                    g.fill(new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
                }
            }
        }
        g.setClip(clip);
    }

    private static Shape outline(String shape, double cx, double cy, double d) {
        double h = d / 2;
        switch (shape) {
            case "circle":
                return new Ellipse2D.Double(cx - h, cy - h, d, d);
            case "square":
                return new Rectangle2D.Double(cx - h * 0.9, cy - h * 0.9, d * 0.9, d * 0.9);
            case "triangle":
                return polygon(new double[] {cx, cx + h, cx - h}, new double[] {cy - h, cy + h * 0.8, cy + h * 0.8});
            case "diamond":
                return polygon(new double[] {cx, cx + h * 0.75, cx, cx - h * 0.75}, new double[] {cy - h, cy, cy + h, cy});
            case "hexagon": {
                double[] xs = new double[6];
                double[] ys = new double[6];
                for (int k = 0; k < 6; k++) {
                    xs[k] = cx + h * Math.cos(k * Math.PI / 3);
                    ys[k] = cy + h * Math.sin(k * Math.PI / 3);
                }
                return polygon(xs, ys);
            }
            case "ring": {
                Area ring = new Area(new Ellipse2D.Double(cx - h, cy - h, d, d));
                ring.subtract(new Area(new Ellipse2D.Double(cx - h * 0.5, cy - h * 0.5, h, h)));
                return ring;
            }
            case "crescent": {
                Area crescent = new Area(new Ellipse2D.Double(cx - h, cy - h, d, d));
                crescent.subtract(new Area(new Ellipse2D.Double(cx - h * 0.35, cy - h, d, d)));
                return crescent;
            }
            case "arrow":
                return polygon(new double[] {cx - h, cx, cx, cx + h, cx, cx, cx - h},
                        new double[] {cy - h * 0.3, cy - h * 0.3, cy - h, cy, cy + h, cy + h * 0.3, cy + h * 0.3});
            case "star": {
                double[] xs = new double[10];
                double[] ys = new double[10];
                for (int k = 0; k < 10; k++) {
                    double radius = k % 2 == 0 ? h : h * 0.45;
                    double angle = -Math.PI / 2 + k * Math.PI / 5;
                    xs[k] = cx + radius * Math.cos(angle);
                    ys[k] = cy + radius * Math.sin(angle);
                }
                return polygon(xs, ys);
            }
            case "cross": {
                double a = h * 0.32;
                return polygon(new double[] {cx - a, cx + a, cx + a, cx + h, cx + h, cx + a, cx + a, cx - a, cx - a,
                    cx - h, cx - h, cx - a},
                        new double[] {cy - h, cy - h, cy - a, cy - a, cy + a, cy + a, cy + h, cy + h, cy + a, cy + a,
                            cy - a, cy - a});
            }
            default:
                throw new IllegalArgumentException("no outline for shape '" + shape + "'");
        }
    }

    private static Path2D polygon(double[] xs, double[] ys) {
        Path2D.Double path = new Path2D.Double();
        path.moveTo(xs[0], ys[0]);
        for (int k = 1; k < xs.length; k++) {
            path.lineTo(xs[k], ys[k]);
        }
        path.closePath();
        return path;
    }
}
