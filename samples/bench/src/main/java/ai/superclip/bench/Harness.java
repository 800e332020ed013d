package ai.superclip.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small JMH equivalent for coarse operations (milliseconds each): every task is warmed up, then the tasks are
 * measured in alternation, one iteration of each per round, so that drift (other processes, thermal state, the
 * allocator) affects all of them alike. Each iteration's wall time is one sample.
 */
public final class Harness {

    /** One unit of measured work. */
    @FunctionalInterface
    public interface Task {
        void run() throws Exception;
    }

    private Harness() {
    }

    /**
     * Runs {@code warmup} unmeasured rounds, then {@code iterations} measured rounds, over {@code tasks} in order.
     *
     * @return the timings of each task, by name, in milliseconds
     */
    public static Map<String, Stats> alternate(int warmup, int iterations, Map<String, Task> tasks) throws Exception {
        for (int round = 0; round < warmup; round++) {
            for (Task t : tasks.values()) {
                t.run();
            }
        }
        Map<String, double[]> samples = new LinkedHashMap<>();
        tasks.keySet().forEach(k -> samples.put(k, new double[iterations]));
        for (int round = 0; round < iterations; round++) {
            // alternate the order too, so that neither task always runs right after the other
            var entries = new java.util.ArrayList<>(tasks.entrySet());
            if (round % 2 == 1) {
                java.util.Collections.reverse(entries);
            }
            for (Map.Entry<String, Task> e : entries) {
                long start = System.nanoTime();
                e.getValue().run();
                samples.get(e.getKey())[round] = (System.nanoTime() - start) / 1e6;
            }
        }
        Map<String, Stats> out = new LinkedHashMap<>();
        samples.forEach((k, v) -> out.put(k, Stats.of(v)));
        return out;
    }

    /** Times one task alone. */
    public static Stats single(int warmup, int iterations, Task task) throws Exception {
        return alternate(warmup, iterations, Map.of("task", task)).get("task");
    }
}
