package ai.superclip.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shard reader on its own (no Spark task): samples streamed in order, damage reported as a row. */
class WebDatasetShardsTest {
    @TempDir
    Path dir;

    @Test
    void samplesComeInMemberOrderAndADamagedShardEndsWithARowNamingTheDamage() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            addMember(tar, "a.png", new byte[] {1, 2, 3});
            addMember(tar, "a.txt", "a red circle".getBytes(StandardCharsets.UTF_8));
            addMember(tar, "b.json", "{}".getBytes(StandardCharsets.UTF_8)); // neither image nor caption: no sample
            addMember(tar, "c.txt", "a caption alone".getBytes(StandardCharsets.UTF_8));
            addMember(tar, "d.png", new byte[] {4, 5});
            addMember(tar, "e.png", new byte[4096]);
        }
        byte[] whole = bytes.toByteArray();
        Path intact = Files.write(dir.resolve("intact.tar"), whole);
        // cut inside e.png's data: five members of 1,024 bytes each (a header and one padded data block) come first
        Path damaged = Files.write(dir.resolve("damaged.tar"), Arrays.copyOf(whole, 5 * 1024 + 512 + 100));

        List<Row> rows = drain(WebDatasetShards.read(intact.toString()));
        assertEquals(List.of("intact.tar/a", "intact.tar/c", "intact.tar/d", "intact.tar/e"),
                rows.stream().map(r -> r.getString(0)).toList());
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) rows.get(0).get(1));
        assertEquals("a red circle", rows.get(0).getString(2));
        assertNull(rows.get(1).get(1));
        assertNull(rows.get(2).get(2));

        List<Row> broken = drain(WebDatasetShards.read(damaged.toString()));
        assertEquals(List.of("damaged.tar/a", "damaged.tar/c", "damaged.tar/d"),
                broken.subList(0, 3).stream().map(r -> r.getString(0)).toList());
        Row damage = broken.get(3);
        assertTrue(damage.getString(0).startsWith("damaged.tar/e (shard damaged after 3 samples"), damage.getString(0));
        assertNull(damage.get(1));
        assertEquals(4, broken.size());
    }

    private static List<Row> drain(Iterator<Row> samples) {
        List<Row> rows = new ArrayList<>();
        samples.forEachRemaining(rows::add);
        assertFalse(samples.hasNext());
        return rows;
    }

    /** Writes one member {@code name} holding {@code data} (also SparkJobsTest's shards). */
    static void addMember(TarArchiveOutputStream tar, String name, byte[] data) throws Exception {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(data.length);
        tar.putArchiveEntry(entry);
        tar.write(data);
        tar.closeArchiveEntry();
    }
}
