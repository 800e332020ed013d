package ai.superclip.data;

/**
 * A place in the loader's stream of samples: {@code index} counts samples into epoch
 * {@code epoch}'s shuffled order. Store {@link Batch#nextPosition()} in a checkpoint and pass it to
 * {@link BatchLoader.Builder#startAt} to resume exactly.
 */
public record Position(int epoch, int index) {

    /** The very beginning: epoch 0, sample 0. */
    public static final Position START = new Position(0, 0);

    public Position {
        if (epoch < 0 || index < 0) {
            throw new IllegalArgumentException("negative position " + epoch + ":" + index);
        }
    }
}
