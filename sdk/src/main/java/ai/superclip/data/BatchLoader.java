package ai.superclip.data;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Turns a dataset into a stream of {@link Batch}es, decoding and preprocessing on worker threads.
 *
 * <ul>
 *   <li><b>Order</b>: each epoch visits every record once, in an order shuffled from
 *       (seed, epoch) alone; random crops are seeded by (seed, epoch, position), so the stream
 *       does not depend on thread timing, and {@link Builder#startAt} resumes it exactly.</li>
 *   <li><b>Bounded memory</b>: at most {@code prefetch + workers + 1} batch objects ever exist;
 *       workers wait for a released batch before reading more. Batches arrive in order.</li>
 *   <li><b>Worker hook</b>: {@link Builder#onBatchFilled} runs on the worker after the images
 *       are written and before the batch is queued, e.g. to tokenise the captions into an extra
 *       buffer declared with {@link Builder#longBuffer}.</li>
 *   <li><b>Bad samples</b>: a record that fails to read is reported to the dataset's
 *       {@link BadSamples}: skipped (the batch gets smaller) or, under FAIL, the
 *       {@link DataException} naming it is thrown by {@link #next()}. A batch left with fewer than
 *       {@link Builder#minBatchSize} samples is dropped, counted and logged, never delivered.</li>
 * </ul>
 *
 * <pre>{@code
 * try (BatchLoader loader = BatchLoader.builder(dataset, new ImagePreprocessor(224))
 *         .batchSize(64).workers(4).seed(7).augment(true).epochs(10).build()) {
 *     while (loader.hasNext()) {
 *         try (Batch batch = loader.next()) {
 *             train(batch.images(), batch.captions());
 *             checkpoint.position = batch.nextPosition();
 *         }
 *     }
 * }
 * }</pre>
 */
public final class BatchLoader implements Iterator<Batch>, AutoCloseable {

    private final ImageTextDataset dataset;
    private final ImagePreprocessor preprocessor;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final boolean augment;
    private final boolean dropLast;
    private final int minBatchSize;
    private final int shard;
    private final int rowsPerShard;
    private final int epochs;
    private final Consumer<Batch> onBatchFilled;
    private final Map<String, Integer> longsPerSample;
    private final Map<String, Integer> floatsPerSample;
    private final int poolSize;
    private final ExecutorService workers;

    private final LinkedBlockingQueue<Batch> free = new LinkedBlockingQueue<>();
    private final AtomicInteger allocated = new AtomicInteger();
    private final AtomicInteger heldByCaller = new AtomicInteger();

    // Claiming work: guarded by "this".
    private long nextClaim;
    private Position cursor;
    private int orderEpoch = -1;
    private int[] order;

    // Delivery: guarded by "lock".
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final Map<Long, Object> done = new HashMap<>();
    private long nextDelivery;
    private Position deliveredUpTo;
    private volatile boolean closed;
    private volatile Throwable fatal;

    /** A claimed piece of work: which records go into batch number {@code sequence}. */
    private record Span(long sequence, Position position, Position next, int first, int[] indices) {
    }

    private BatchLoader(Builder b) {
        this.dataset = b.dataset;
        this.preprocessor = b.preprocessor;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.shuffle = b.shuffle;
        this.augment = b.augment;
        this.dropLast = b.dropLast;
        this.minBatchSize = b.minBatchSize;
        this.shard = b.shard;
        this.rowsPerShard = b.batchSize / b.shards;
        this.epochs = b.epochs;
        this.onBatchFilled = b.onBatchFilled;
        this.longsPerSample = Map.copyOf(b.longsPerSample);
        this.floatsPerSample = Map.copyOf(b.floatsPerSample);
        this.poolSize = b.prefetch + b.workers + 1;
        this.cursor = normalise(b.start);
        this.deliveredUpTo = cursor;
        AtomicInteger threadNumber = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(b.workers, task -> {
            Thread thread = new Thread(task, "superclip-data-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        for (int i = 0; i < b.workers; i++) {
            workers.execute(this::work);
        }
    }

    public static Builder builder(ImageTextDataset dataset, ImagePreprocessor preprocessor) {
        return new Builder(dataset, preprocessor);
    }

    /** Settings of a loader. */
    public static final class Builder {
        private final ImageTextDataset dataset;
        private final ImagePreprocessor preprocessor;
        private int batchSize = 64;
        private int workers = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        private int prefetch = 4;
        private long seed = 0;
        private boolean shuffle = true;
        private boolean augment = false;
        private boolean dropLast = true;
        private int minBatchSize = 1;
        private int shard = 0;
        private int shards = 1;
        private int epochs = Integer.MAX_VALUE;
        private Position start = Position.START;
        private Consumer<Batch> onBatchFilled = batch -> { };
        private final Map<String, Integer> longsPerSample = new LinkedHashMap<>();
        private final Map<String, Integer> floatsPerSample = new LinkedHashMap<>();

        private Builder(ImageTextDataset dataset, ImagePreprocessor preprocessor) {
            this.dataset = dataset;
            this.preprocessor = preprocessor;
        }

        /** Samples per batch (default 64). */
        public Builder batchSize(int size) {
            this.batchSize = size;
            return this;
        }

        /** Decoding threads (default: processors, at most 4). */
        public Builder workers(int threads) {
            this.workers = threads;
            return this;
        }

        /** Finished batches that may wait in the queue (default 4). */
        public Builder prefetch(int batches) {
            this.prefetch = batches;
            return this;
        }

        /**
         * Delivers only shard {@code shard} of {@code shards} of every batch: rows [shard·m, (shard + 1)·m) of the batch
         * with m = batchSize / shards, with the same records and random crops they have in the whole batch (the data
         * of one data-parallel worker; the shards of a batch never overlap). Positions still count whole batches.
         */
        public Builder shard(int shard, int shards) {
            this.shard = shard;
            this.shards = shards;
            return this;
        }

        /** Seed of the epoch orders and the random crops (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Shuffle each epoch (default true); false keeps dataset order, for evaluation. */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Random resized crops for training (default false: centre crop). */
        public Builder augment(boolean augment) {
            this.augment = augment;
            return this;
        }

        /** Drop an epoch's last, incomplete batch (default true); false for evaluation. */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /**
         * Fewest samples a delivered batch may hold (default 1): a batch that skipped bad samples left smaller is
         * dropped and reported to {@link BadSamples}, and the next one is delivered in its place. A contrastive
         * loss needs 2 (one sample has no negatives).
         */
        public Builder minBatchSize(int samples) {
            this.minBatchSize = samples;
            return this;
        }

        /** Number of epochs to deliver, counted from epoch 0 (default: no end). */
        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Where to start (default {@link Position#START}); pass a saved {@link Batch#nextPosition()} to resume. */
        public Builder startAt(Position position) {
            this.start = position;
            return this;
        }

        /** Code run on the worker thread for each filled batch, before it is queued. */
        public Builder onBatchFilled(Consumer<Batch> hook) {
            this.onBatchFilled = hook;
            return this;
        }

        /** Declares an extra long buffer of {@code perSample} values per sample, e.g. token ids. */
        public Builder longBuffer(String name, int perSample) {
            longsPerSample.put(name, perSample);
            return this;
        }

        /** Declares an extra float buffer of {@code perSample} values per sample, e.g. targets. */
        public Builder floatBuffer(String name, int perSample) {
            floatsPerSample.put(name, perSample);
            return this;
        }

        /** Starts the workers. */
        public BatchLoader build() {
            if (batchSize < 1 || workers < 1 || prefetch < 0 || epochs < 0) {
                throw new IllegalArgumentException("need batchSize >= 1, workers >= 1, prefetch >= 0, epochs >= 0");
            }
            if (shards < 1 || shard < 0 || shard >= shards || batchSize % shards != 0) {
                throw new IllegalArgumentException("shard " + shard + " of " + shards + " needs a batch size divisible by "
                        + shards + ", got " + batchSize);
            }
            if (minBatchSize < 1 || minBatchSize > batchSize / shards) {
                throw new IllegalArgumentException("minBatchSize must be in 1.." + batchSize / shards + ", got " + minBatchSize);
            }
            if (dataset.size() == 0 || (dropLast && dataset.size() < batchSize)) {
                throw new DataException(DataException.Reason.NO_SAMPLES, "dataset of " + dataset.size()
                        + " records cannot fill a batch of " + batchSize + (dropLast ? " (drop-last is on)" : ""));
            }
            return new BatchLoader(this);
        }
    }

    /** Whether another batch will come (false after the last epoch or after {@link #close()}). */
    @Override
    public boolean hasNext() {
        lock.lock();
        try {
            return !closed && deliveredUpTo.epoch() < epochs;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next batch in order, waiting for it if needed. Release it when done.
     *
     * @throws DataException          naming the record under {@link OnBadSample#FAIL}, or wrapping
     *                                a failure of the worker hook
     * @throws IllegalStateException  when every pooled batch is still held by the caller
     * @throws NoSuchElementException after the last batch
     */
    @Override
    public Batch next() {
        while (true) {
            Batch batch = nextDelivered();
            if (batch.size() >= minBatchSize) {
                return batch;
            }
            dataset.badSamples().reportDroppedBatch("the batch at " + batch.position() + ": " + batch.size() + " of "
                    + rowsPerShard + " samples left after skipping bad ones, fewer than the " + minBatchSize + " needed");
            batch.release();
        }
    }

    private Batch nextDelivered() {
        if (!hasNext()) {
            throw new NoSuchElementException("no batch after " + deliveredUpTo + " (epochs: " + epochs + ")");
        }
        if (heldByCaller.get() >= poolSize) {
            throw new IllegalStateException("all " + poolSize + " pooled batches are held by the caller; release() them");
        }
        Object result;
        lock.lock();
        try {
            while (!done.containsKey(nextDelivery) && fatal == null) {
                if (closed) {
                    throw new IllegalStateException("loader closed");
                }
                arrived.await();
            }
            result = done.containsKey(nextDelivery) ? done.remove(nextDelivery++) : fatal;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException(DataException.Reason.IO_ERROR, "interrupted while waiting for a batch", e);
        } finally {
            lock.unlock();
        }
        if (result instanceof Batch batch) {
            lock.lock();
            try {
                deliveredUpTo = batch.nextPosition();
            } finally {
                lock.unlock();
            }
            heldByCaller.incrementAndGet();
            batch.markHeld();
            return batch;
        }
        if (result instanceof DataException e) {
            throw e;
        }
        if (result instanceof Error e) {
            throw e;
        }
        throw new DataException(DataException.Reason.IO_ERROR, "data worker failed: " + result, (Throwable) result);
    }

    /** Number of batch objects allocated so far; never above {@code prefetch + workers + 1}. */
    public int allocatedBatches() {
        return allocated.get();
    }

    /** Where skipped samples were counted (the dataset's). */
    public BadSamples badSamples() {
        return dataset.badSamples();
    }

    /** Stops the workers and waits (briefly) for them to end. Batches already handed out stay valid until released. */
    @Override
    public void close() {
        closed = true;
        workers.shutdownNow();
        signalAll();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void work() {
        try {
            while (!closed) {
                Batch batch = acquire();
                Span span = claim();
                if (span == null) {
                    free.add(batch);
                    return;
                }
                Object result;
                try {
                    fill(batch, span);
                    result = batch;
                } catch (Throwable t) {
                    free.add(batch);
                    result = t;
                }
                publish(span.sequence(), result);
            }
        } catch (InterruptedException e) {
            // close() interrupted us: exit quietly.
        } catch (Throwable t) {
            // Outside any claimed batch (allocating a batch failed): the caller must hear of it.
            fatal = t;
            signalAll();
        }
    }

    private Batch acquire() throws InterruptedException {
        Batch batch = free.poll();
        if (batch != null) {
            return batch;
        }
        if (allocated.getAndUpdate(n -> n < poolSize ? n + 1 : n) < poolSize) {
            return new Batch(rowsPerShard, preprocessor.floatsPerImage(), longsPerSample, floatsPerSample, this::recycle);
        }
        return free.take();
    }

    private void recycle(Batch batch) {
        heldByCaller.decrementAndGet();
        free.add(batch);
    }

    /** Takes the next batch's worth of positions; null when the last epoch is used up. */
    private synchronized Span claim() {
        if (cursor.epoch() >= epochs) {
            return null;
        }
        if (orderEpoch != cursor.epoch()) {
            order = epochOrder(cursor.epoch());
            orderEpoch = cursor.epoch();
        }
        int start = cursor.index();
        int end = Math.min(start + batchSize, order.length);
        Position position = cursor;
        cursor = normalise(new Position(cursor.epoch(), end));
        int first = Math.min(start + shard * rowsPerShard, end);
        return new Span(nextClaim++, position, cursor, first - start,
                Arrays.copyOfRange(order, first, Math.min(first + rowsPerShard, end)));
    }

    /** Moves a position that has no batch left in its epoch to the start of the next epoch. */
    private Position normalise(Position p) {
        int n = dataset.size();
        boolean epochDone = p.index() >= n || (dropLast && p.index() + batchSize > n);
        return epochDone ? new Position(p.epoch() + 1, 0) : p;
    }

    private int[] epochOrder(int epoch) {
        int n = dataset.size();
        int[] indices = new int[n];
        for (int i = 0; i < n; i++) {
            indices[i] = i;
        }
        if (shuffle) {
            SplittableRandom random = new SplittableRandom(Hashing.mix(seed, epoch));
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = indices[i];
                indices[i] = indices[j];
                indices[j] = t;
            }
        }
        return indices;
    }

    private void fill(Batch batch, Span span) {
        batch.reset(span.position(), span.next());
        for (int k = 0; k < span.indices().length; k++) {
            int index = span.indices()[k];
            Sample sample;
            try {
                sample = dataset.read(index);
            } catch (DataException e) {
                String id = dataset.id(index);
                String message = e.getMessage().startsWith(id) ? e.getMessage() : id + ": " + e.getMessage();
                dataset.badSamples().report(new DataException(e.reason(), message, e));
                continue;
            }
            int offset = batch.size() * preprocessor.floatsPerImage();
            if (augment) {
                long cropSeed = Hashing.mix(seed, span.position().epoch(), span.position().index() + span.first() + k);
                preprocessor.randomResizedCrop(sample.image(), batch.images(), offset, new SplittableRandom(cropSeed));
            } else {
                preprocessor.centerCrop(sample.image(), batch.images(), offset);
            }
            batch.add(sample, index);
        }
        onBatchFilled.accept(batch);
    }

    private void publish(long sequence, Object result) {
        lock.lock();
        try {
            done.put(sequence, result);
        } finally {
            lock.unlock();
        }
        signalAll();
    }

    private void signalAll() {
        lock.lock();
        try {
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
