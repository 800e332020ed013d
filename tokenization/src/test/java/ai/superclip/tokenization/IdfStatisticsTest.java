package ai.superclip.tokenization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdfStatisticsTest {

    private static final int V = 50;

    /** A batch of captions, each a sorted set of distinct ids in [0, V). */
    private static int[][] randomBatch(Random random, int size) {
        int[][] batch = new int[size][];
        for (int i = 0; i < size; i++) {
            batch[i] = random.ints(random.nextInt(12), 0, V).sorted().distinct().toArray();
        }
        return batch;
    }

    @Test
    void onlineStatisticsFollowTheReferenceFormula() {
        Random random = new Random(3);
        IdfStatistics idf = IdfStatistics.online(V);
        double[] capFq = new double[V];
        double numSamples = 0;
        for (int step = 0; step < 40; step++) {
            int[][] batch = randomBatch(random, 1 + random.nextInt(32));
            idf.update(batch);
            // cap_fq += targets.sum(0) / B; num_samples += 1
            double[] columnSums = new double[V];
            for (int[] caption : batch) {
                for (int id : caption) {
                    columnSums[id] += 1;
                }
            }
            for (int c = 0; c < V; c++) {
                capFq[c] += columnSums[c] / batch.length;
            }
            numSamples += 1;
            double b = batch.length;
            double[] weights = idf.weights(batch.length);
            for (int c = 0; c < V; c++) {
                double expected = Math.log((numSamples + 1 / b) / (capFq[c] + 1 / b));
                assertEquals(expected, weights[c], 1e-12, "step " + step + " id " + c);
            }
        }
        assertEquals(numSamples, idf.samples());
        assertArrayEquals(capFq, idf.frequencies(), 1e-12);
    }

    @Test
    void normalisedRowsAreWeightedAndSumToOne() {
        IdfStatistics idf = IdfStatistics.online(4);
        int[][] batch = {{0, 1}, {0, 2}, {0}};
        idf.update(batch);
        float[] out = dense(idf, batch, batch.length, 4);
        double third = 1.0 / 3;
        double w0 = Math.log((1 + third) / (1 + third)); // in every caption: weight 0
        double w1 = Math.log((1 + third) / (third + third));
        assertEquals(0.0, w0);
        float[] expected = {
            (float) (w0 / (w0 + w1)), (float) (w1 / (w0 + w1)), 0, 0,
            (float) (w0 / (w0 + w1)), 0, (float) (w1 / (w0 + w1)), 0,
            0, 0, 0, 0, // only an id of weight 0: the sum is 0, so the row is all zeros
        };
        assertArrayEquals(expected, out);
    }

    /** k micro-batches of m weighed after one update with all k·m captions: exactly the rows of one batch of k·m. */
    @Test
    void microBatchesOfOneStepGetTheTargetsOfTheWholeBatch() {
        Random random = new Random(5);
        int k = 4;
        int m = 6;
        IdfStatistics whole = IdfStatistics.online(V);
        IdfStatistics split = IdfStatistics.online(V);
        for (int step = 0; step < 5; step++) {
            int[][] batch = randomBatch(random, k * m);
            whole.update(batch);
            float[] expected = dense(whole, batch, batch.length, V);
            split.update(batch);
            float[] actual = new float[k * m * V];
            for (int j = 0; j < k; j++) {
                float[] rows = dense(split, Arrays.copyOfRange(batch, j * m, (j + 1) * m), k * m, V);
                System.arraycopy(rows, 0, actual, j * m * V, rows.length);
            }
            assertArrayEquals(expected, actual, "step " + step);
        }
        assertEquals(5, split.samples(), "one update per optimizer step");
    }

    /** The sparse targets written to width 12, padding checked, scattered into dense [rows, V] rows. */
    private static float[] dense(IdfStatistics idf, int[][] rows, int batchSize, int vocabulary) {
        int width = 12;
        LongBuffer ids = LongBuffer.allocate(rows.length * width);
        FloatBuffer weights = FloatBuffer.allocate(rows.length * width);
        idf.normalisedTargets(rows, batchSize, width, ids, weights);
        assertEquals(ids.capacity(), ids.position());
        float[] dense = new float[rows.length * vocabulary];
        for (int r = 0; r < rows.length; r++) {
            for (int k = 0; k < width; k++) {
                int at = r * width + k;
                if (k >= rows[r].length) {
                    assertEquals(0, ids.get(at), "padding id");
                    assertEquals(0f, weights.get(at), "padding weight");
                } else {
                    dense[r * vocabulary + (int) ids.get(at)] = weights.get(at);
                }
            }
        }
        return dense;
    }

    /** A 16,384-caption micro-batch (the reference's global batch) builds its targets: 77 entries a caption. */
    @Test
    void paperScaleBatchBuildsItsTargets() {
        Random random = new Random(9);
        int b = 16_384;
        int[][] batch = new int[b][];
        for (int i = 0; i < b; i++) {
            batch[i] = random.ints(1 + random.nextInt(40), 0, 49_408).sorted().distinct().toArray();
        }
        IdfStatistics idf = IdfStatistics.online(49_408);
        idf.update(batch);
        LongBuffer ids = LongBuffer.allocate(b * 77);
        FloatBuffer weights = FloatBuffer.allocate(b * 77);
        idf.normalisedTargets(batch, b, 77, ids, weights);
        double sum = 0;
        for (int k = 0; k < 77; k++) {
            sum += weights.get((b - 1) * 77 + k);
        }
        assertEquals(1, sum, 1e-5, "the last caption's weights sum to 1");
        assertEquals(batch[b - 1][0], ids.get((b - 1) * 77));
    }

    @Test
    void disabledIdfGivesPlainL1NormalisedMultiHot() {
        IdfStatistics idf = IdfStatistics.disabled(4);
        int[][] batch = {{0, 1, 3}, {2}, {}};
        idf.update(batch);
        float third = 1f / 3;
        assertArrayEquals(new float[] {third, third, 0, third, 0, 0, 1, 0, 0, 0, 0, 0}, dense(idf, batch, 3, 4),
                "a caption without ids gets an all-zero row");
        assertEquals(0, idf.samples());
    }

    @Test
    void offlineDocumentFrequenciesGiveLogNPlusOneOverDfPlusOne() {
        Random random = new Random(11);
        List<String> captions = new ArrayList<>();
        String[] words = {"cat", "dog", "red", "car", "tree", "sky", "blue", "the", "a", "on"};
        for (int i = 0; i < 2_500; i++) { // more than one internal batch
            StringBuilder caption = new StringBuilder();
            for (int w = random.nextInt(8); w > 0; w--) {
                caption.append(words[random.nextInt(words.length)]).append(' ');
            }
            captions.add(caption.toString());
        }
        try (ClipTokenizer clip = ClipTokenizer.clip()) {
            TokenTargets targets = TokenTargets.of(clip, true);
            IdfStatistics idf = IdfStatistics.offline(captions, clip, targets);
            double[] df = new double[clip.vocabularySize()];
            for (String caption : captions) {
                for (int id : targets.sparse(clip.encode(caption))[0]) {
                    df[id]++;
                }
            }
            assertEquals(2_500, idf.samples());
            double[] weights = idf.weights(7);
            for (int c = 0; c < df.length; c++) {
                assertEquals(Math.log((2_500 + 1) / (df[c] + 1)), weights[c], 1e-12, "id " + c);
            }
            assertEquals(0.0, weights[49406]);
            assertEquals(0.0, weights[49407]);
            idf.update(new int[][] {{320}});
            assertArrayEquals(weights, idf.weights(7), "offline statistics ignore updates");
            assertEquals(0, IdfStatistics.offline(List.of(), clip, targets).samples());
        }
    }

    @Test
    void saveAndLoadRoundTripBitExactly(@TempDir Path dir) {
        Random random = new Random(5);
        IdfStatistics online = IdfStatistics.online(V);
        for (int step = 0; step < 17; step++) {
            online.update(randomBatch(random, 1 + random.nextInt(9)));
        }
        for (IdfStatistics idf : List.of(online, IdfStatistics.disabled(V))) {
            Path file = dir.resolve(idf.mode() + ".idf");
            idf.save(file);
            IdfStatistics loaded = IdfStatistics.load(file);
            assertEquals(idf.mode(), loaded.mode());
            assertEquals(Double.doubleToRawLongBits(idf.samples()), Double.doubleToRawLongBits(loaded.samples()));
            assertArrayEquals(bits(idf.frequencies()), bits(loaded.frequencies()));
            assertArrayEquals(bits(idf.weights(3)), bits(loaded.weights(3)));
        }
    }

    private static long[] bits(double[] values) {
        return Arrays.stream(values).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    @Test
    void loadingABrokenFileNamesIt(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("good.idf");
        IdfStatistics.online(V).save(good);
        byte[] bytes = Files.readAllBytes(good);
        byte[] badMagic = bytes.clone();
        badMagic[0] = 'X';
        List<byte[]> broken = List.of(new byte[0], Arrays.copyOf(bytes, 6), Arrays.copyOf(bytes, 20),
                Arrays.copyOf(bytes, bytes.length - 1), Arrays.copyOf(bytes, bytes.length + 8), badMagic);
        for (int i = 0; i < broken.size(); i++) {
            Path file = Files.write(dir.resolve("broken" + i + ".idf"), broken.get(i));
            TokenizationException e = assertThrows(TokenizationException.class, () -> IdfStatistics.load(file));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        }
        Path missing = dir.resolve("missing.idf");
        TokenizationException e = assertThrows(TokenizationException.class, () -> IdfStatistics.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
