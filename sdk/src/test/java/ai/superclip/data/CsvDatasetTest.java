package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvDatasetTest {

    @TempDir
    Path dir;

    @BeforeEach
    void images() throws IOException {
        TestFiles.write(dir.resolve("img/a.png"), TestFiles.png(8, 8, 0xFF0000));
        TestFiles.write(dir.resolve("img/b.png"), TestFiles.png(8, 8, 0x00FF00));
        TestFiles.write(dir.resolve("img/c.png"), TestFiles.png(8, 8, 0x0000FF));
    }

    private Path manifest(String text) throws IOException {
        return Files.writeString(dir.resolve("captions.csv"), text, StandardCharsets.UTF_8);
    }

    @Test
    void readsBomCrlfAndQuotedCaptionsWithCommasAndNewlines() throws IOException {
        Path csv = manifest("\uFEFFfilepath,title,extra\r\n"
                + "img/a.png,\"a red square, seen from above\",x\r\n"
                + "img/b.png,\"a green\r\nsquare \"\"quoted\"\"\",y\r\n"
                + "\r\n"
                + "img/c.png,plain blue,z\r\n");
        CsvDataset data = CsvDataset.open(csv, "filepath", "title");
        assertEquals(3, data.size());
        Sample first = data.read(0);
        assertEquals("captions.csv:row 1", first.id());
        assertEquals("a red square, seen from above", first.caption());
        assertEquals(0xFF0000, first.image().getRGB(0, 0) & 0xFFFFFF);
        assertEquals("a green\r\nsquare \"quoted\"", data.read(1).caption());
        assertEquals("plain blue", data.read(2).caption());
        assertEquals(0, data.badSamples().total());
    }

    @Test
    void captionsAreReadWithoutDecodingTheImages() throws IOException {
        CsvDataset data = CsvDataset.open(manifest("filepath,title\nimg/a.png,red\nimg/b.png,green\n"), "filepath",
                "title");
        Files.write(dir.resolve("img/b.png"), new byte[] {1, 2, 3}); // corrupt after opening
        assertEquals("red", data.caption(0));
        assertEquals("green", data.caption(1), "offline caption statistics never touch the image");
        DataException e = assertThrows(DataException.class, () -> data.read(1));
        assertTrue(e.getMessage().contains("b.png"), e.getMessage());
    }

    @Test
    void readsTsvWithAChosenSeparator() throws IOException {
        Path tsv = Files.writeString(dir.resolve("train.tsv"), "title\tfilepath\na, b, c\timg/b.png\n");
        CsvDataset data = CsvDataset.open(tsv, "filepath", "title", '\t', BadSamples.fail());
        assertEquals("a, b, c", data.read(0).caption());
        assertEquals(dir.resolve("img/b.png").toString(), data.splitKey(0));
    }

    @Test
    void aSecondCaptionColumnGivesTheClassificationCaptions() throws IOException {
        Path csv = manifest("filepath,title,long\nimg/a.png,red,a small red square on white\nimg/b.png,green,\n"
                + "img/c.png,blue,a blue square\n");
        CsvDataset data = CsvDataset.open(csv, "filepath", "title", "long", ',', BadSamples.skip());
        assertEquals(2, data.size(), "the row without a second caption is bad");
        assertEquals("red", data.caption(0));
        assertEquals("a small red square on white", data.classificationCaption(0));
        assertEquals("a blue square", data.classificationCaption(1));
        assertEquals(1, data.badSamples().total());
        DataException e = assertThrows(DataException.class,
                () -> CsvDataset.open(csv, "filepath", "title", "longer", ',', BadSamples.skip()));
        assertTrue(e.getMessage().contains("no column 'longer'"), e.getMessage());
        assertEquals("red", CsvDataset.open(csv, "filepath", "title").classificationCaption(0), "one caption: both terms");
    }

    @Test
    void aMissingColumnIsNamedWithTheAvailableOnes() throws IOException {
        Path csv = manifest("path,caption\nimg/a.png,x\n");
        DataException e = assertThrows(DataException.class, () -> CsvDataset.open(csv, "filepath", "caption"));
        assertEquals(DataException.Reason.MISSING_COLUMN, e.reason());
        assertTrue(e.getMessage().contains("'filepath'") && e.getMessage().contains("[path, caption]"), e.getMessage());
    }

    @Test
    void aMissingManifestIsNamed() {
        Path csv = dir.resolve("nothing-here.csv");
        DataException e = assertThrows(DataException.class, () -> CsvDataset.open(csv, "filepath", "title"));
        assertEquals(DataException.Reason.MISSING_FILE, e.reason());
        assertTrue(e.getMessage().contains("nothing-here.csv"), e.getMessage());
    }

    @Test
    void badRowsAreSkippedAndCountedPerReason() throws IOException {
        Path csv = manifest("filepath,title\n"
                + "img/a.png,good\n"
                + "img/b.png,  \n"
                + "img/missing.png,no image\n"
                + "img/c.png,too,many\n"
                + "img/c.png\n"
                + "img/c.png,\"" + "x".repeat(20_000) + "\"\n"
                + "img/b.png,\"unclosed quote\n"
                + "img/a.png,never reached\n");
        BadSamples bad = BadSamples.skip();
        CsvDataset data = CsvDataset.open(csv, "filepath", "title", ',', bad);
        assertEquals(2, data.size());
        assertEquals(Captions.MAX_CHARS, data.read(1).caption().length(), "enormous caption cut");
        assertEquals(1, bad.count(DataException.Reason.EMPTY_CAPTION));
        assertEquals(1, bad.count(DataException.Reason.MISSING_FILE));
        assertEquals(3, bad.count(DataException.Reason.MALFORMED_ROW), bad.summary());
        assertEquals(5, bad.total());
        assertTrue(bad.summary().startsWith("5 bad samples skipped: "), bad.summary());
    }

    @Test
    void failPolicyThrowsNamingTheRecord() throws IOException {
        Path csv = manifest("filepath,title\nimg/a.png,good\nimg/b.png,\n");
        DataException e = assertThrows(DataException.class,
                () -> CsvDataset.open(csv, "filepath", "title", ',', BadSamples.fail()));
        assertEquals(DataException.Reason.EMPTY_CAPTION, e.reason());
        assertTrue(e.getMessage().startsWith("captions.csv:row 2"), e.getMessage());
    }

    @Test
    void aManifestWithoutUsableRowsIsAnError() throws IOException {
        Path csv = manifest("filepath,title\n");
        assertEquals(DataException.Reason.NO_SAMPLES,
                assertThrows(DataException.class, () -> CsvDataset.open(csv, "filepath", "title")).reason());
        Path empty = manifest("");
        assertEquals(DataException.Reason.MISSING_COLUMN,
                assertThrows(DataException.class, () -> CsvDataset.open(empty, "filepath", "title")).reason());
    }

    @Test
    void anUnreadableImageFailsAtReadTimeNamingTheFile() throws IOException {
        TestFiles.write(dir.resolve("img/broken.png"), "not a png".getBytes(StandardCharsets.UTF_8));
        CsvDataset data = CsvDataset.open(manifest("filepath,title\nimg/broken.png,broken\n"), "filepath", "title");
        DataException e = assertThrows(DataException.class, () -> data.read(0));
        assertEquals(DataException.Reason.UNREADABLE_IMAGE, e.reason());
        assertTrue(e.getMessage().contains("broken.png"), e.getMessage());
        assertEquals(List.of(), data.classNames());
    }
}
