package ai.superclip.distributed;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Test support: a rendezvous for workers that are threads of one JVM. One use. */
public final class LocalRendezvous implements Rendezvous {
    private final String[] addresses;
    private final CyclicBarrier all;
    private final long timeoutSeconds;

    public LocalRendezvous(int workers, long timeoutSeconds) {
        this.addresses = new String[workers];
        this.all = new CyclicBarrier(workers);
        this.timeoutSeconds = timeoutSeconds;
    }

    @Override
    public List<String> exchange(int rank, String ownAddress) {
        synchronized (addresses) {
            addresses[rank] = ownAddress;
        }
        try {
            all.await(timeoutSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("rank " + rank + ": interrupted at the rendezvous", e);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new CollectiveException("rank " + rank + ": not every worker reached the rendezvous within "
                    + timeoutSeconds + " s", e);
        }
        synchronized (addresses) {
            return Arrays.asList(addresses.clone());
        }
    }
}
