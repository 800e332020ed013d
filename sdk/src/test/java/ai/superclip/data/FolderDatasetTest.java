package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderDatasetTest {

    @TempDir
    Path dir;

    private void pair(String image, byte[] bytes, String caption) throws IOException {
        TestFiles.write(dir.resolve(image), bytes);
        if (caption != null) {
            String sidecar = image.substring(0, image.lastIndexOf('.')) + ".txt";
            TestFiles.write(dir.resolve(sidecar), caption.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void readsImagesWithSidecarCaptionsInPathOrder() throws IOException {
        pair("cats/2.png", TestFiles.png(4, 4, 0x00FF00), "a green cat\n");
        pair("cats/1.PNG", TestFiles.png(4, 4, 0xFF0000), "a red cat");
        pair("dogs/x.jpg", TestFiles.encode(TestFiles.solid(4, 4, 0x0000FF), "jpeg"), "a blue dog");
        TestFiles.write(dir.resolve("notes.md"), "ignored".getBytes(StandardCharsets.UTF_8));
        FolderDataset data = FolderDataset.open(dir);
        assertEquals(3, data.size());
        assertEquals("cats/1.PNG", data.id(0));
        Sample second = data.read(1);
        assertEquals("a green cat", second.caption());
        assertEquals(0x00FF00, second.image().getRGB(1, 1) & 0xFFFFFF);
        assertEquals("dogs/x.jpg", data.read(2).id());
    }

    @Test
    void missingAndEmptySidecarsAreSkippedOrFail() throws IOException {
        pair("a.png", TestFiles.png(4, 4, 0), "fine");
        pair("b.png", TestFiles.png(4, 4, 0), null);
        pair("c.png", TestFiles.png(4, 4, 0), " \n");
        BadSamples bad = BadSamples.skip();
        assertEquals(1, FolderDataset.open(dir, bad).size());
        assertEquals(1, bad.count(DataException.Reason.MISSING_CAPTION));
        assertEquals(1, bad.count(DataException.Reason.EMPTY_CAPTION));

        DataException e = assertThrows(DataException.class, () -> FolderDataset.open(dir, BadSamples.fail()));
        assertEquals("b.png: no caption file b.txt", e.getMessage());
    }

    @Test
    void aMissingFolderIsNamed() {
        DataException e = assertThrows(DataException.class, () -> FolderDataset.open(dir.resolve("absent")));
        assertEquals(DataException.Reason.MISSING_FILE, e.reason());
        assertTrue(e.getMessage().contains("absent"));
    }
}
