package ai.superclip.distributed;

/** One worker: all-reduce and all-gather are the identity. */
public final class SingleProcess implements Collective {
    public static final SingleProcess INSTANCE = new SingleProcess();

    private SingleProcess() {
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public void allReduceSum(float[] data) {
    }

    @Override
    public float[][] allGather(float[] own) {
        return new float[][] {own};
    }

    @Override
    public void close() {
    }
}
