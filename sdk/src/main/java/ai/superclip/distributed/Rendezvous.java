package ai.superclip.distributed;

import java.util.List;

/**
 * How workers learn each other's addresses before they connect: every worker publishes its own {@code host:port}
 * and receives all workers', indexed by rank. Spark's barrier mode provides one ({@code BarrierTaskContext.allGather});
 * the tests link threads of one JVM through a shared one.
 */
@FunctionalInterface
public interface Rendezvous {
    /** Publishes {@code ownAddress} as worker {@code rank}'s and returns every worker's address, by rank. */
    List<String> exchange(int rank, String ownAddress);
}
