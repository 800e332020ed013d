package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitsTest {

    @Test
    void assignmentIsStableAndFollowsTheFractions() {
        Splits splits = new Splits(0.8, 0.1, 42);
        Map<Split, Integer> counts = new EnumMap<>(Split.class);
        for (int i = 0; i < 20_000; i++) {
            Split s = splits.assign("record-" + i);
            assertEquals(s, new Splits(0.8, 0.1, 42).assign("record-" + i));
            counts.merge(s, 1, Integer::sum);
        }
        assertEquals(16_000, counts.get(Split.TRAIN), 300);
        assertEquals(2_000, counts.get(Split.VALIDATION), 200);
        assertEquals(2_000, counts.get(Split.TEST), 200);
        assertEquals(Split.TEST, splits.assign("record-17"), "fixed across JVMs and runs");
        assertEquals(Split.VALIDATION, splits.assign("record-1"));
    }

    @Test
    void selectedSplitsPartitionTheDatasetAndKeepAnImagesCaptionsTogether(@TempDir Path dir) throws IOException {
        StringBuilder csv = new StringBuilder("filepath,title\n");
        for (int i = 0; i < 60; i++) {
            TestFiles.write(dir.resolve(i + ".png"), TestFiles.png(2, 2, i));
            csv.append(i).append(".png,first caption ").append(i).append('\n');
            csv.append(i).append(".png,second caption ").append(i).append('\n');
        }
        CsvDataset data = CsvDataset.open(Files.writeString(dir.resolve("m.csv"), csv), "filepath", "title");
        Splits splits = new Splits(0.6, 0.2, 1);
        Set<String> seenIds = new HashSet<>();
        Map<String, Split> imageSplit = new HashMap<>();
        for (Split split : Split.values()) {
            ImageTextDataset part = splits.select(data, split);
            for (int i = 0; i < part.size(); i++) {
                assertTrue(seenIds.add(part.id(i)), "each record in one split only");
                assertEquals(part.read(i).caption(), part.caption(i), "captions come through the view");
                Split before = imageSplit.put(part.splitKey(i), split);
                assertTrue(before == null || before == split, "both captions of an image share its split");
            }
        }
        assertEquals(data.size(), seenIds.size());
    }
}
