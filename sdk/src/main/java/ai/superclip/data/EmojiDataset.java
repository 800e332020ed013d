package ai.superclip.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The Google emoji images of npm {@code emoji-datasource-google} (version 16.0.0 checked):
 * {@code img/google/64/<image>.png} described by {@code emoji.json}. One record per emoji that has
 * a Google image (1,906 in 16.0.0; skin-tone variations and the skin-tone swatches of category
 * "Component" left out). The caption fills a template with the lower-cased
 * Unicode name ("an emoji of dog face."), falling back to the first short name; the category
 * ("Animals & Nature", 9 of them) is the label, and the attributes carry {@code category},
 * {@code subcategory} and {@code short_names}.
 *
 * <p>Record id: the image file name, e.g. {@code 1f436.png}.
 */
public final class EmojiDataset implements ImageTextDataset {

    /** The category of the five skin-tone swatches, which are modifiers, not emoji: left out. */
    private static final String COMPONENT_CATEGORY = "Component";

    /** The default caption template. */
    public static final String TEMPLATE = "an emoji of {}.";

    private final Path imageFolder;
    private final List<Entry> entries;
    private final List<String> categories;
    private final BadSamples badSamples;

    private record Entry(String image, String caption, int label, Map<String, String> attributes) {
    }

    private EmojiDataset(Path imageFolder, List<Entry> entries, List<String> categories, BadSamples badSamples) {
        this.imageFolder = imageFolder;
        this.entries = entries;
        this.categories = categories;
        this.badSamples = badSamples;
    }

    /** Opens the package folder with the default template, skipping bad entries. */
    public static EmojiDataset open(Path packageFolder) {
        return open(packageFolder, TEMPLATE, BadSamples.skip());
    }

    /**
     * Opens the package folder: the one holding {@code emoji.json}, or its parent (an unpacked
     * {@code npm pack} tarball, with {@code package/emoji.json}).
     *
     * @throws DataException when emoji.json is missing or malformed, or no emoji image exists
     */
    public static EmojiDataset open(Path packageFolder, String template, BadSamples badSamples) {
        Path folder = Files.exists(packageFolder.resolve("emoji.json")) ? packageFolder : packageFolder.resolve("package");
        Path index = folder.resolve("emoji.json");
        Path imageFolder = folder.resolve("img/google/64");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(index.toFile());
        } catch (IOException e) {
            if (!Files.exists(index)) {
                throw new DataException(DataException.Reason.MISSING_FILE, "emoji.json not found in " + packageFolder, e);
            }
            throw new DataException(DataException.Reason.MALFORMED_FILE, index + ": not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new DataException(DataException.Reason.MALFORMED_FILE, index + ": expected a JSON array of emoji");
        }
        List<JsonNode> usable = new ArrayList<>();
        TreeSet<String> categorySet = new TreeSet<>();
        for (JsonNode emoji : root) {
            String image = emoji.path("image").asText("");
            try {
                if (image.isEmpty() || !emoji.path("has_img_google").asBoolean(false)
                        || emoji.path("category").asText("").equals(COMPONENT_CATEGORY)) {
                    continue;
                }
                if (!Files.isRegularFile(imageFolder.resolve(image))) {
                    throw new DataException(DataException.Reason.MISSING_FILE, image + ": image file not found in "
                            + imageFolder);
                }
                usable.add(emoji);
                categorySet.add(emoji.path("category").asText(""));
            } catch (InvalidPathException e) {
                badSamples.report(new DataException(DataException.Reason.MALFORMED_FILE,
                        index + ": invalid image name '" + image + "'", e));
            } catch (DataException e) {
                badSamples.report(e);
            }
        }
        List<String> categories = List.copyOf(categorySet);
        List<Entry> entries = new ArrayList<>();
        for (JsonNode emoji : usable) {
            String image = emoji.path("image").asText();
            try {
                String category = emoji.path("category").asText("");
                List<String> shortNames = new ArrayList<>();
                emoji.path("short_names").forEach(n -> shortNames.add(n.asText()));
                String name = emoji.path("name").asText("");
                if (name.isBlank() && !shortNames.isEmpty()) {
                    name = shortNames.get(0).replace('_', ' ');
                }
                String caption = Captions.clean(name.isBlank() ? "" : template.replace("{}", name.toLowerCase(Locale.ROOT)),
                        image);
                entries.add(new Entry(image, caption, categories.indexOf(category), Map.of(
                        "category", category,
                        "subcategory", emoji.path("subcategory").asText(""),
                        "short_names", String.join(",", shortNames))));
            } catch (DataException e) {
                badSamples.report(e);
            }
        }
        if (entries.isEmpty()) {
            throw new DataException(DataException.Reason.NO_SAMPLES, index + ": no emoji with a Google image ("
                    + badSamples.summary() + ")");
        }
        return new EmojiDataset(imageFolder, entries, categories, badSamples);
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public String id(int index) {
        return entries.get(index).image();
    }

    @Override
    public Sample read(int index) {
        Entry entry = entries.get(index);
        return new Sample(entry.image(), ImageDecoder.decode(imageFolder.resolve(entry.image())), entry.caption(),
                entry.label(), entry.attributes());
    }

    @Override
    public String caption(int index) {
        return entries.get(index).caption();
    }

    /** The emoji categories in alphabetical order; {@link Sample#label()} indexes this list. */
    @Override
    public List<String> classNames() {
        return categories;
    }

    @Override
    public BadSamples badSamples() {
        return badSamples;
    }
}
