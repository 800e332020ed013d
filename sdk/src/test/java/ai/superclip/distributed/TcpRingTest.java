package ai.superclip.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The TCP ring with 1 to 4 workers as threads, against sums and concatenations computed directly. */
class TcpRingTest {

    private static float[] data(int rank, int length, boolean integers) {
        SplittableRandom random = new SplittableRandom(1000 + rank);
        float[] d = new float[length];
        for (int i = 0; i < length; i++) {
            d[i] = integers ? random.nextInt(-1000, 1000) : (float) random.nextGaussian();
        }
        return d;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void allReduceSumsEveryWorkersBuffer(int n) throws Exception {
        // lengths below, at and far above the worker count, and over one piece on the wire
        for (int length : new int[] {0, 1, n, 10_007, TcpRing.PIECE_FLOATS + 3}) {
            for (boolean integers : new boolean[] {true, false}) {
                List<float[]> results = RingWorkers.run(n, Duration.ofSeconds(20), ring -> {
                    float[] d = data(ring.rank(), length, integers);
                    ring.allReduceSum(d);
                    return d;
                });
                double[] direct = new double[length];
                for (int r = 0; r < n; r++) {
                    float[] d = data(r, length, integers);
                    for (int i = 0; i < length; i++) {
                        direct[i] += d[i];
                    }
                }
                for (int r = 0; r < n; r++) {
                    assertArrayEquals(results.get(0), results.get(r), "every worker ends with the same bits");
                }
                for (int i = 0; i < length; i++) {
                    // integer-valued floats sum exactly in any order; Gaussians within float rounding of the sum
                    double tolerance = integers ? 0 : 1e-6 * (1 + Math.abs(direct[i])) * n;
                    assertEquals(direct[i], results.get(0)[i], tolerance, "element " + i + " of " + length);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void allGatherReturnsEveryWorkersBlockByRank(int n) throws Exception {
        List<float[][]> results = RingWorkers.run(n, Duration.ofSeconds(20), ring -> ring.allGather(data(ring.rank(), 5 + 3 * ring.rank(), false)));
        for (float[][] gathered : results) {
            assertEquals(n, gathered.length);
            for (int r = 0; r < n; r++) {
                assertArrayEquals(data(r, 5 + 3 * r, false), gathered[r]);
            }
        }
    }

    @Test
    void aSilentPeerFailsTheOperationNamingIt() throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> RingWorkers.run(2, Duration.ofMillis(500), ring -> {
            if (ring.rank() == 0) {
                ring.allReduceSum(new float[10]); // rank 1 never joins this all-reduce
            }
            return null;
        }));
        String message = e.getCause().getMessage();
        assertTrue(message.startsWith("rank 0: ") && message.contains("rank 1 (127.0.0.1:"), message);
    }

    /**
     * Both workers fail; the first to read its peer's block reports the mismatch (the other may see the connection
     * close first, depending on which thread runs first).
     */
    @Test
    void differentBufferSizesAreReported() throws Exception {
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        RingWorkers.run(2, Duration.ofSeconds(5), ring -> {
            try {
                ring.allReduceSum(new float[ring.rank() == 0 ? 8 : 10]);
            } catch (CollectiveException e) {
                failures.add(e.getMessage());
            }
            return null;
        });
        assertEquals(2, failures.size(), failures.toString());
        assertTrue(failures.stream().anyMatch(m -> m.contains("different buffer sizes")), failures.toString());
    }
}
