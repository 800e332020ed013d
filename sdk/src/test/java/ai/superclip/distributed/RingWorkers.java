package ai.superclip.distributed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Test support: workers as threads of this JVM, linked by a {@link TcpRing} on loopback. */
public final class RingWorkers {
    private RingWorkers() {
    }

    /** What one worker does with its ring. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Collective ring) throws Exception;
    }

    /** Runs {@code work} on {@code n} linked workers at once; returns their results by rank, or throws the first failure. */
    public static <T> List<T> run(int n, Duration timeout, Work<T> work) throws Exception {
        LocalRendezvous rendezvous = new LocalRendezvous(n, 60);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    try (Collective ring = TcpRing.connect(rank, n, rendezvous, "127.0.0.1", timeout)) {
                        return work.run(ring);
                    }
                }));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
