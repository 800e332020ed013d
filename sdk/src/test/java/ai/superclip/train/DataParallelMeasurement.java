package ai.superclip.train;

import ai.superclip.data.SyntheticScenes;
import ai.superclip.distributed.Collective;
import ai.superclip.distributed.LocalRendezvous;
import ai.superclip.distributed.RingWorkers;
import ai.superclip.distributed.TcpRing;
import ai.superclip.model.ModelCost;
import ai.superclip.model.Presets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figures of docs/distributed.md (a measurement, not a test; run with -Dsuperclip.measure=true): step time of one
 * process, of the data-parallel step with one worker and with two, and the ring all-reduce on loopback for the
 * parameter counts of three presets.
 */
@EnabledIfSystemProperty(named = "superclip.measure", matches = "true")
class DataParallelMeasurement {
    @TempDir
    Path dir;

    private static final SyntheticScenes SCENES = SyntheticScenes.builder().seed(3).count(512).build();

    @Test
    void stepTimes() throws Exception {
        for (String preset : List.of("tiny", "small")) {
            int batch = 16;
            TrainingConfig.Builder base = TrainingConfig.builder(preset).batchSize(batch).steps(6).learningRate(5e-4)
                    .warmupSteps(2).checkpointEvery(0).logEvery(1).threads(1).seed(11);
            System.out.printf("%s, global batch %d: seconds per step (median of steps 2-6): one process %.3f,"
                    + " data-parallel 1 worker %.3f, 2 workers %.3f%n", preset, batch,
                    medianStep(base.output(dir.resolve(preset + "-one")).build(), 0),
                    medianStep(base.output(dir.resolve(preset + "-dp1")).build(), 1),
                    medianStep(base.output(dir.resolve(preset + "-dp2")).build(), 2));
        }
    }

    /** Median step seconds after the first step, with no collective (workers 0) or {@code workers} ring workers. */
    private static double medianStep(TrainingConfig config, int workers) throws Exception {
        int n = Math.max(workers, 1);
        LocalRendezvous rendezvous = new LocalRendezvous(n, 60);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<double[]>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    List<Double> seconds = new ArrayList<>();
                    try (Collective ring = workers == 0 ? null
                            : TcpRing.connect(rank, n, rendezvous, "127.0.0.1", Duration.ofSeconds(120));
                            Trainer t = Trainer.create(config, SCENES)) {
                        if (ring != null) {
                            t.collective(ring);
                        }
                        t.addListener(new TrainingListener() {
                            @Override
                            public void onStep(StepMetrics m) {
                                seconds.add(config.batchSize() / m.samplesPerSecond());
                            }
                        });
                        t.train();
                    }
                    return seconds.stream().skip(1).mapToDouble(Double::doubleValue).sorted().toArray();
                }));
            }
            double[] s = futures.get(0).get();
            for (Future<double[]> f : futures) {
                f.get();
            }
            return s[s.length / 2];
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void ringAllReduceOnLoopback() throws Exception {
        double latency = median(allReduceSeconds(2, 1, 200));
        System.out.printf("ring all-reduce of 1 float, 2 workers: %.1f us (%.1f us per ring step)%n", latency * 1e6,
                latency * 1e6 / 2);
        for (String preset : List.of("tiny", "small", "vit-b-16")) {
            long params = ModelCost.of(Presets.get(preset).withTokenizer(49408, 77)).totalParameters();
            for (int workers : preset.equals("vit-b-16") ? new int[] {2} : new int[] {2, 4}) {
                double seconds = median(allReduceSeconds(workers, Math.toIntExact(params), 3));
                double sent = 2.0 * (workers - 1) / workers * params * Float.BYTES;
                System.out.printf("ring all-reduce, %s (%,d parameters, %.1f MB), %d workers: %.3f s, %.0f MB/s sent per"
                        + " worker%n", preset, params, params * 4 / 1e6, workers, seconds, sent / seconds / 1e6);
            }
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    /** Seconds per all-reduce of {@code length} floats over {@code repeats} repeats, on worker 0. */
    private static double[] allReduceSeconds(int workers, int length, int repeats) throws Exception {
        return RingWorkers.run(workers, Duration.ofSeconds(300), ring -> {
            float[] data = new float[length];
            Arrays.fill(data, 1f);
            double[] seconds = new double[repeats];
            ring.allReduceSum(data); // warm-up
            for (int i = 0; i < repeats; i++) {
                long t0 = System.nanoTime();
                ring.allReduceSum(data);
                seconds[i] = (System.nanoTime() - t0) / 1e9;
            }
            return seconds;
        }).get(0);
    }
}
