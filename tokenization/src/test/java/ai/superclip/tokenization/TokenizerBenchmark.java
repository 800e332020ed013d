package ai.superclip.tokenization;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Captions per second for batch encoding (batches of 256 into reused direct buffers) with the
 * shipped CLIP tokenizer. Not a test. Arguments: [threads (2)] [captions (100000)].
 */
public final class TokenizerBenchmark {

    private static final int BATCH = 256;
    private static final String[] WORDS = ("a an the photo picture of with on in near small large red blue green "
            + "dog cat car tree house man woman child street beach mountain sunset city bicycle playing "
            + "sitting standing running black white brown wooden old new two three café über 東京 😀").split(" ");

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        List<String> captions = captions(new Random(42), count);
        try (ClipTokenizer clip = ClipTokenizer.clip()) {
            run(clip, captions.subList(0, Math.min(count, 20_000)), threads); // warm-up
            double seconds = run(clip, captions, threads);
            System.out.printf("%d captions, %d threads, batches of %d: %.0f captions/s%n",
                    count, threads, BATCH, count / seconds);
        }
    }

    private static double run(ClipTokenizer clip, List<String> captions, int threads) throws Exception {
        AtomicInteger nextBatch = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(pool.submit(() -> {
                LongBuffer ids = ByteBuffer.allocateDirect(BATCH * clip.contextLength() * Long.BYTES)
                        .order(ByteOrder.nativeOrder()).asLongBuffer();
                for (int from; (from = nextBatch.getAndIncrement() * BATCH) < captions.size(); ) {
                    ids.clear();
                    clip.encodeBatch(captions.subList(from, Math.min(from + BATCH, captions.size())), ids);
                }
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        return seconds;
    }

    private static List<String> captions(Random random, int count) {
        List<String> captions = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder caption = new StringBuilder();
            for (int w = 8 + random.nextInt(13); w > 0; w--) {
                caption.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
            }
            captions.add(caption.toString());
        }
        return captions;
    }
}
