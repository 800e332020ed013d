package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarShardDatasetTest {

    @TempDir
    Path dir;

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, byte[]> members(Object... nameThenBytes) {
        Map<String, byte[]> members = new LinkedHashMap<>();
        for (int i = 0; i < nameThenBytes.length; i += 2) {
            members.put((String) nameThenBytes[i], (byte[]) nameThenBytes[i + 1]);
        }
        return members;
    }

    @Test
    void readsSamplesByKeyAcrossSeveralShards() throws IOException {
        Path first = TestFiles.writeTar(dir.resolve("shard-0000.tar"), members(
                "000000.jpg", TestFiles.encode(TestFiles.solid(16, 16, 0xFF0000), "jpeg"),
                "000000.txt", text("a red square"),
                "000000.json", text("{}"),
                "sub/000001.txt", text("a green square"),
                "sub/000001.png", TestFiles.png(16, 8, 0x00FF00)));
        Path second = TestFiles.writeTar(dir.resolve("shard-0001.tar"), members(
                "000002.png", TestFiles.png(3, 5, 0x0000FF),
                "000002.txt", text("a blue square")));
        TarShardDataset data = TarShardDataset.open(List.of(first, second), BadSamples.fail());
        assertEquals(3, data.size());
        assertEquals("shard-0000.tar/sub/000001", data.id(1));
        Sample green = data.read(1);
        assertEquals("a green square", green.caption());
        assertEquals(16, green.image().getWidth());
        assertEquals(0x00FF00, green.image().getRGB(3, 3) & 0xFFFFFF);
        Sample blue = data.read(2);
        assertEquals("shard-0001.tar/000002", blue.id());
        assertEquals(0x0000FF, blue.image().getRGB(2, 4) & 0xFFFFFF);
        assertTrue((data.read(0).image().getRGB(8, 8) >> 16 & 0xFF) > 240, "red JPEG");
    }

    @Test
    void aSecondCaptionMemberGivesTheClassificationCaptions() throws IOException {
        Path shard = TestFiles.writeTar(dir.resolve("shard.tar"), members(
                "a.png", TestFiles.png(4, 4, 0xFF0000), "a.txt", text("red"), "a.long.txt", text("a small red square"),
                "b.png", TestFiles.png(4, 4, 0), "b.txt", text("black")));
        BadSamples bad = BadSamples.skip();
        TarShardDataset data = TarShardDataset.open(List.of(shard), "long.txt", bad);
        assertEquals(1, data.size(), "the sample without a second caption is bad");
        assertEquals("red", data.caption(0));
        assertEquals("a small red square", data.classificationCaption(0));
        assertEquals(1, bad.total());
        assertEquals("black", TarShardDataset.open(shard).classificationCaption(1), "one caption: both terms");
    }

    @Test
    void unpairedMembersAndATruncatedShardAreReported() throws IOException {
        byte[] last = TestFiles.png(64, 64, 0x123456);
        byte[] whole = TestFiles.tar(members(
                "a.png", TestFiles.png(4, 4, 0xFF0000), "a.txt", text("kept"),
                "b.png", TestFiles.png(4, 4, 0), // no caption
                "c.txt", text("no image"),
                "d.txt", text(""),
                "d.png", TestFiles.png(4, 4, 0),
                "e.txt", text("cut off"),
                "e.png", last));
        int cut = indexOf(whole, last) + last.length / 2;
        Path shard = Files.write(dir.resolve("bad.tar"), Arrays.copyOf(whole, cut));
        BadSamples bad = BadSamples.skip();
        TarShardDataset data = TarShardDataset.open(List.of(shard), bad);
        assertEquals(1, data.size());
        assertEquals("kept", data.read(0).caption());
        assertEquals(2, bad.count(DataException.Reason.MISSING_IMAGE), bad.summary()); // c, and e whose image is cut
        assertEquals(1, bad.count(DataException.Reason.MISSING_CAPTION));
        assertEquals(1, bad.count(DataException.Reason.EMPTY_CAPTION));
        assertEquals(1, bad.count(DataException.Reason.MALFORMED_FILE));

        DataException e = assertThrows(DataException.class, () -> TarShardDataset.open(List.of(shard), BadSamples.fail()));
        assertTrue(e.getMessage().startsWith("bad.tar"), e.getMessage());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    @Test
    void aMissingShardIsNamed() {
        DataException e = assertThrows(DataException.class, () -> TarShardDataset.open(dir.resolve("gone.tar")));
        assertEquals(DataException.Reason.MISSING_FILE, e.reason());
        assertTrue(e.getMessage().contains("gone.tar"));
    }
}
