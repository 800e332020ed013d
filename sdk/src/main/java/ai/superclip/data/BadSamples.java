package ai.superclip.data;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Applies the {@link OnBadSample} policy and keeps a count of skipped samples per
 * {@link DataException.Reason}. One instance is shared by a source and the loader that reads it,
 * so {@link #summary()} covers both indexing and decoding. Thread-safe.
 *
 * <p>Under {@link OnBadSample#SKIP} every skipped sample is logged on the {@code ai.superclip.data}
 * logger (the first {@value #WARNINGS_LOGGED} at WARNING, the rest at FINE) and handed to the
 * optional listener.
 */
public final class BadSamples {

    /** How many skipped samples are logged at WARNING before the log drops to FINE. */
    public static final int WARNINGS_LOGGED = 50;

    private static final Logger LOG = Logger.getLogger("ai.superclip.data");

    private final OnBadSample policy;
    private final Consumer<DataException> listener;
    private final Map<DataException.Reason, AtomicLong> counts = new EnumMap<>(DataException.Reason.class);
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong droppedBatches = new AtomicLong();

    public BadSamples(OnBadSample policy, Consumer<DataException> listener) {
        this.policy = policy;
        this.listener = listener;
        for (DataException.Reason reason : DataException.Reason.values()) {
            counts.put(reason, new AtomicLong());
        }
    }

    /** Skip and count bad samples, logging each one. */
    public static BadSamples skip() {
        return new BadSamples(OnBadSample.SKIP, e -> { });
    }

    /** Throw on the first bad sample. */
    public static BadSamples fail() {
        return new BadSamples(OnBadSample.FAIL, e -> { });
    }

    public OnBadSample policy() {
        return policy;
    }

    /**
     * Reports a bad sample: throws {@code problem} under {@link OnBadSample#FAIL}, otherwise
     * counts it, logs it and tells the listener.
     */
    public void report(DataException problem) {
        if (policy == OnBadSample.FAIL) {
            throw problem;
        }
        long n = total.incrementAndGet();
        counts.get(problem.reason()).incrementAndGet();
        LOG.log(n <= WARNINGS_LOGGED ? Level.WARNING : Level.FINE,
                "skipped bad sample ({0}): {1}", new Object[] {problem.reason(), problem.getMessage()});
        listener.accept(problem);
    }

    /**
     * Reports a batch that skipped samples left smaller than its loader's minimum: it is not delivered (its
     * good samples are dropped with it), counted and logged at WARNING.
     */
    void reportDroppedBatch(String description) {
        droppedBatches.incrementAndGet();
        LOG.log(Level.WARNING, "dropped {0}", description);
    }

    /** Number of batches dropped because skipped samples left them too small. */
    public long droppedBatches() {
        return droppedBatches.get();
    }

    /** Number of samples skipped so far. */
    public long total() {
        return total.get();
    }

    /** Number of samples skipped so far for one reason. */
    public long count(DataException.Reason reason) {
        return counts.get(reason).get();
    }

    /** Non-zero counts per reason, in declaration order. */
    public Map<DataException.Reason, Long> counts() {
        Map<DataException.Reason, Long> result = new EnumMap<>(DataException.Reason.class);
        counts.forEach((reason, n) -> {
            if (n.get() > 0) {
                result.put(reason, n.get());
            }
        });
        return result;
    }

    /**
     * One line such as {@code "3 bad samples skipped: MISSING_FILE=2, EMPTY_CAPTION=1"}, followed by the number of
     * dropped batches when there were any.
     */
    public String summary() {
        Map<DataException.Reason, Long> nonZero = counts();
        if (nonZero.isEmpty()) {
            return "no bad samples";
        }
        StringBuilder line = new StringBuilder().append(total()).append(" bad samples skipped: ");
        nonZero.forEach((reason, n) -> line.append(reason).append('=').append(n).append(", "));
        line.setLength(line.length() - 2);
        if (droppedBatches() > 0) {
            line.append("; ").append(droppedBatches()).append(" batches dropped for too few samples left");
        }
        return line.toString();
    }
}
