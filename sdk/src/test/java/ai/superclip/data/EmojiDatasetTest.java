package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The emoji reader on a small fake of the npm package layout. */
class EmojiDatasetTest {

    @TempDir
    Path dir;

    private Path fakePackage() throws IOException {
        Path pkg = dir.resolve("package");
        BufferedImage dog = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB); // transparent: white
        dog.setRGB(32, 32, 0xFF8B4513);
        TestFiles.write(pkg.resolve("img/google/64/1f436.png"), TestFiles.encode(dog, "png"));
        TestFiles.write(pkg.resolve("img/google/64/1f600.png"), TestFiles.png(64, 64, 0xFFCC00));
        Files.writeString(pkg.resolve("emoji.json"), "[\n"
                + "{\"name\":\"GRINNING FACE\",\"short_names\":[\"grinning\"],\"image\":\"1f600.png\","
                + "\"category\":\"Smileys & Emotion\",\"subcategory\":\"face-smiling\",\"has_img_google\":true},\n"
                + "{\"name\":null,\"short_names\":[\"dog_face\",\"dog\"],\"image\":\"1f436.png\","
                + "\"category\":\"Animals & Nature\",\"subcategory\":\"animal-mammal\",\"has_img_google\":true},\n"
                + "{\"name\":\"NO GOOGLE\",\"short_names\":[\"x\"],\"image\":\"ffff.png\",\"category\":\"Symbols\","
                + "\"has_img_google\":false},\n"
                + "{\"name\":\"LOST FILE\",\"short_names\":[\"lost\"],\"image\":\"0000.png\",\"category\":\"Symbols\","
                + "\"has_img_google\":true}\n"
                + "]", StandardCharsets.UTF_8);
        return pkg;
    }

    @Test
    void readsEmojiWithCaptionsAndCategoryLabels() throws IOException {
        fakePackage();
        BadSamples bad = BadSamples.skip();
        EmojiDataset data = EmojiDataset.open(dir, EmojiDataset.TEMPLATE, bad); // the parent of package/ works too
        assertEquals(2, data.size());
        assertEquals(List.of("Animals & Nature", "Smileys & Emotion"), data.classNames());
        Sample grin = data.read(0);
        assertEquals("1f600.png", grin.id());
        assertEquals("an emoji of grinning face.", grin.caption());
        assertEquals(1, grin.label());
        assertEquals("face-smiling", grin.attributes().get("subcategory"));
        Sample dog = data.read(1);
        assertEquals("an emoji of dog face.", dog.caption(), "falls back to the short name");
        assertEquals(0, dog.label());
        assertEquals("dog_face,dog", dog.attributes().get("short_names"));
        assertEquals(0xFFFFFF, ImageDecoder.toRgb(dog.image()).getRGB(0, 0) & 0xFFFFFF);
        assertEquals(1, bad.count(DataException.Reason.MISSING_FILE));
    }

    @Test
    void aMissingIndexIsNamed() {
        DataException e = assertThrows(DataException.class, () -> EmojiDataset.open(dir));
        assertEquals(DataException.Reason.MISSING_FILE, e.reason());
        assertTrue(e.getMessage().contains("emoji.json"), e.getMessage());
    }
}
