package ai.superclip.distributed;

/**
 * The communication a synchronous data-parallel training step needs among its workers: every worker calls the
 * same operations in the same order with buffers of the same length (all-gather excepted), and blocks until all
 * have contributed. {@link SingleProcess} is the one-worker identity; {@link TcpRing} links workers over sockets.
 * A failure (a peer gone, a timeout) throws {@link CollectiveException} naming the peer; the collective is then
 * unusable and the step must be retried from a checkpoint by every worker.
 */
public interface Collective extends AutoCloseable {

    /** This worker's index, 0 to {@link #size()} − 1. */
    int rank();

    /** The number of workers. */
    int size();

    /** Replaces {@code data} by the element-wise sum of every worker's {@code data}; all workers end bit-identical. */
    void allReduceSum(float[] data);

    /** Every worker's {@code own} (lengths may differ), indexed by rank. */
    float[][] allGather(float[] own);

    /** Returns once every worker has called it. */
    default void barrier() {
        allGather(new float[0]);
    }

    @Override
    void close();
}
