package ai.superclip.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchLoaderTest {

    private static final SyntheticScenes SCENES = SyntheticScenes.builder().seed(5).count(200).imageSize(32).build();

    /** What identifies a delivered batch: its position, ids and a checksum of its pixels. */
    private record Seen(Position position, List<String> ids, double pixelSum) {
    }

    private static BatchLoader.Builder loader() {
        return BatchLoader.builder(SCENES, new ImagePreprocessor(24)).batchSize(16).workers(2).prefetch(2).seed(11)
                .augment(true);
    }

    private static List<Seen> drain(BatchLoader loader, int limit) {
        List<Seen> seen = new ArrayList<>();
        while (loader.hasNext() && seen.size() < limit) {
            try (Batch batch = loader.next()) {
                FloatBuffer images = batch.images();
                double sum = 0;
                for (int i = 0; i < batch.size() * 3 * 24 * 24; i++) {
                    sum += images.get(i) * (1 + i % 7);
                }
                seen.add(new Seen(batch.position(), List.copyOf(batch.ids()), sum));
            }
        }
        return seen;
    }

    @Test
    void theSameSeedGivesTheSameStreamAndEpochsAreShuffledPermutations() {
        List<Seen> first;
        List<Seen> second;
        try (BatchLoader a = loader().epochs(2).build(); BatchLoader b = loader().epochs(2).build()) {
            first = drain(a, Integer.MAX_VALUE);
            second = drain(b, Integer.MAX_VALUE);
        }
        assertEquals(first, second);
        assertEquals(24, first.size(), "2 epochs of 200 / 16 = 12 full batches (drop-last)");
        Set<String> epochZero = new HashSet<>();
        for (Seen s : first.subList(0, 12)) {
            epochZero.addAll(s.ids());
        }
        assertEquals(192, epochZero.size(), "no record twice in an epoch");
        assertNotEquals(first.get(0).ids(), first.get(12).ids(), "each epoch has its own order");
        assertEquals(new Position(1, 0), first.get(12).position());
        try (BatchLoader other = loader().seed(12).epochs(1).build()) {
            assertNotEquals(first.get(0).ids(), drain(other, 1).get(0).ids());
        }
    }

    @Test
    void resumingFromASavedPositionRepeatsTheRestExactly() {
        List<Seen> full;
        Position saved;
        try (BatchLoader a = loader().epochs(3).build()) {
            full = drain(a, Integer.MAX_VALUE);
        }
        try (BatchLoader a = loader().epochs(3).build()) {
            Batch batch = null;
            for (int i = 0; i < 17; i++) {
                batch = a.next();
                batch.release();
            }
            saved = batch.nextPosition();
        }
        assertEquals(new Position(1, 5 * 16), saved);
        try (BatchLoader resumed = loader().epochs(3).startAt(saved).build()) {
            assertEquals(full.subList(17, full.size()), drain(resumed, Integer.MAX_VALUE));
        }
    }

    @Test
    void theQueueIsBoundedWhileTheCallerIsSlow() throws InterruptedException {
        AtomicInteger filled = new AtomicInteger();
        try (BatchLoader loader = loader().workers(2).prefetch(2).onBatchFilled(b -> filled.incrementAndGet()).build()) {
            Thread.sleep(400);
            assertTrue(filled.get() <= 5, "prefetch 2 + 2 workers + 1 held: " + filled.get());
            assertTrue(loader.allocatedBatches() <= 5);
            assertEquals(10, drain(loader, 10).size());
            assertTrue(loader.allocatedBatches() <= 5, "recycled, not reallocated");
        }
    }

    @Test
    void theWorkerHookFillsPooledExtraBuffers() {
        Set<LongBuffer> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        try (BatchLoader loader = loader().longBuffer("tokenIds", 3).floatBuffer("targets", 2).epochs(1)
                .onBatchFilled(batch -> {
                    assertTrue(Thread.currentThread().getName().startsWith("superclip-data-"));
                    LongBuffer ids = batch.longBuffer("tokenIds");
                    for (int i = 0; i < batch.size(); i++) {
                        ids.put(i * 3, batch.captions().get(i).length());
                        ids.put(i * 3 + 2, 49407);
                    }
                    batch.floatBuffer("targets").put(0, 1f);
                }).build()) {
            while (loader.hasNext()) {
                try (Batch batch = loader.next()) {
                    LongBuffer ids = batch.longBuffer("tokenIds");
                    assertEquals(ByteOrder.nativeOrder(), ids.order());
                    assertTrue(ids.isDirect() && batch.images().isDirect());
                    assertEquals(16 * 3, ids.capacity());
                    assertEquals(16 * 3 * 24 * 24, batch.images().capacity());
                    assertEquals(batch.captions().get(15).length(), ids.get(45));
                    assertEquals(49407, ids.get(47));
                    distinct.add(ids);
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> batch.longBuffer("targets"));
                    assertTrue(e.getMessage().contains("[tokenIds, targets]"), e.getMessage());
                }
            }
        }
        assertTrue(distinct.size() <= 5, "buffers are reused: " + distinct.size());
    }

    @Test
    void holdingEveryBatchIsAnErrorNotADeadlock() {
        try (BatchLoader loader = loader().workers(1).prefetch(0).build()) {
            Batch a = loader.next();
            Batch b = loader.next();
            assertThrows(IllegalStateException.class, loader::next);
            a.release();
            b.release();
            assertTrue(loader.next().size() > 0);
        }
    }

    @Test
    void evaluationOrderKeepsTheLastPartialBatch() {
        SyntheticScenes ten = SyntheticScenes.builder().count(10).build();
        try (BatchLoader loader = BatchLoader.builder(ten, new ImagePreprocessor(8)).batchSize(4).shuffle(false)
                .dropLast(false).epochs(1).build()) {
            List<Integer> sizes = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            while (loader.hasNext()) {
                try (Batch batch = loader.next()) {
                    sizes.add(batch.size());
                    ids.addAll(batch.ids());
                    assertEquals(SyntheticScenes.SHAPES.indexOf(batch.attributes(0).getOrDefault("shape", "")),
                            batch.label(0));
                }
            }
            assertEquals(List.of(4, 4, 2), sizes);
            assertEquals(ten.id(0), ids.get(0));
            assertEquals(ten.id(9), ids.get(9));
        }
    }

    @Test
    void badImagesAreSkippedOrFailNamingTheRecord(@TempDir Path dir) throws IOException {
        for (int i = 0; i < 8; i++) {
            byte[] bytes = i == 3 ? "broken".getBytes(StandardCharsets.UTF_8) : TestFiles.png(6, 6, 0x808080);
            TestFiles.write(dir.resolve(i + ".png"), bytes);
            TestFiles.write(dir.resolve(i + ".txt"), ("image " + i).getBytes(StandardCharsets.UTF_8));
        }
        FolderDataset skipping = FolderDataset.open(dir);
        try (BatchLoader loader = BatchLoader.builder(skipping, new ImagePreprocessor(4)).batchSize(8).shuffle(false)
                .epochs(1).build()) {
            try (Batch batch = loader.next()) {
                assertEquals(7, batch.size());
                assertFalse(batch.ids().contains("3.png"));
            }
            assertEquals(1, loader.badSamples().count(DataException.Reason.UNREADABLE_IMAGE));
        }
        FolderDataset failing = FolderDataset.open(dir, BadSamples.fail());
        try (BatchLoader loader = BatchLoader.builder(failing, new ImagePreprocessor(4)).batchSize(8).epochs(1).build()) {
            DataException e = assertThrows(DataException.class, loader::next);
            assertTrue(e.getMessage().startsWith("3.png: "), e.getMessage());
            assertEquals(DataException.Reason.UNREADABLE_IMAGE, e.reason());
        }
    }

    @Test
    void aBatchLeftWithTooFewSamplesIsDroppedAndReported(@TempDir Path dir) throws IOException {
        for (int i = 0; i < 8; i++) {
            boolean broken = i >= 1 && i <= 3; // the first batch of 4 keeps one good sample: no negatives
            byte[] bytes = broken ? "broken".getBytes(StandardCharsets.UTF_8) : TestFiles.png(6, 6, 0x808080);
            TestFiles.write(dir.resolve(i + ".png"), bytes);
            TestFiles.write(dir.resolve(i + ".txt"), ("image " + i).getBytes(StandardCharsets.UTF_8));
        }
        FolderDataset data = FolderDataset.open(dir);
        try (BatchLoader loader = BatchLoader.builder(data, new ImagePreprocessor(4)).batchSize(4).shuffle(false)
                .minBatchSize(2).epochs(1).build()) {
            try (Batch batch = loader.next()) {
                assertEquals(new Position(0, 4), batch.position(), "the short first batch is not delivered");
                assertEquals(List.of("4.png", "5.png", "6.png", "7.png"), batch.ids());
            }
            assertFalse(loader.hasNext());
            assertEquals(1, data.badSamples().droppedBatches());
            assertEquals(3, data.badSamples().total());
            assertTrue(data.badSamples().summary().endsWith("; 1 batches dropped for too few samples left"),
                    data.badSamples().summary());
        }
        assertThrows(IllegalArgumentException.class,
                () -> BatchLoader.builder(data, new ImagePreprocessor(4)).batchSize(4).minBatchSize(5).build());
    }

    @Test
    void closeStopsTheWorkers() {
        BatchLoader loader = loader().workers(3).build();
        loader.next().release();
        loader.close();
        assertFalse(loader.hasNext());
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            while (Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().startsWith("superclip-data-") && t.isAlive())) {
                Thread.sleep(10);
            }
        });
    }

    @Test
    void printsSyntheticThroughput() {
        SyntheticScenes scenes = SyntheticScenes.builder().seed(1).count(4096).imageSize(64).build();
        try (BatchLoader loader = BatchLoader.builder(scenes, new ImagePreprocessor(64)).batchSize(64).workers(2)
                .augment(true).epochs(1).build()) {
            drain(loader, 4); // warm-up
            long start = System.nanoTime();
            int images = 0;
            while (loader.hasNext()) {
                try (Batch batch = loader.next()) {
                    images += batch.size();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("synthetic 64 px, batch 64, 2 workers: %.0f images/s%n", images / seconds);
        }
    }
}
