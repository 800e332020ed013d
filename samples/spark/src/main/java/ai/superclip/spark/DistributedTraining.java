package ai.superclip.spark;

import ai.superclip.data.CsvDataset;
import ai.superclip.data.ImageTextDataset;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.distributed.Rendezvous;
import ai.superclip.distributed.TcpRing;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import ai.superclip.train.TrainingListener;
import ai.superclip.train.TrainingResult;
import ai.superclip.train.StepMetrics;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Synchronous data-parallel SuperCLIP training on Spark's barrier mode: one barrier task per worker, all started
 * together; each task publishes the {@code host:port} of its ring socket through {@link BarrierTaskContext#allGather},
 * links a {@link TcpRing} and runs a {@link Trainer} as that worker (docs/distributed.md). The run directory must be
 * one every task reaches (a shared or local-mode file system): worker 0 writes the artifacts and the checkpoints
 * there, and every worker resumes from the newest one. When a task fails, Spark fails the whole barrier stage;
 * the driver then starts the stage again, up to {@code maxRestarts} times, and every worker continues from the last
 * checkpoint.
 */
public final class DistributedTraining {
    private static final Logger LOG = Logger.getLogger("ai.superclip.spark");

    private DistributedTraining() {
    }

    /**
     * What every task needs to build its trainer, shipped with the task.
     *
     * @param trainData a CSV manifest ({@code filepath}, {@code title}), or {@code synthetic:N} for N synthetic scenes
     * @param batchSize the global batch: each of the {@code workers} computes batchSize / workers rows
     * @param failRank test hook: the worker that fails on the first attempt after step {@code failAtStep} (-1: none)
     */
    public record Settings(String preset, String trainData, int workers, int batchSize, int accumulation, int steps,
            double learningRate, int warmupSteps, long seed, int threads, int checkpointEvery, int keepCheckpoints,
            String output, int timeoutSeconds, int failRank, int failAtStep) implements Serializable {

        TrainingConfig config() {
            return TrainingConfig.builder(preset).batchSize(batchSize).accumulation(accumulation).steps(steps)
                    .learningRate(learningRate).warmupSteps(warmupSteps).seed(seed).threads(threads)
                    .checkpointEvery(checkpointEvery).keepCheckpoints(keepCheckpoints).logEvery(1)
                    .output(Path.of(output)).build();
        }

        ImageTextDataset dataset() {
            if (trainData.startsWith("synthetic:")) {
                return SyntheticScenes.builder().seed(seed).count(Integer.parseInt(trainData.substring(10))).build();
            }
            return CsvDataset.open(Path.of(trainData), CsvDataset.DEFAULT_IMAGE_KEY, CsvDataset.DEFAULT_CAPTION_KEY);
        }
    }

    /**
     * Runs the training job; returns one line per worker of the attempt that finished. A failed attempt is retried
     * from the newest checkpoint up to {@code maxRestarts} times.
     */
    public static List<String> run(SparkSession spark, Settings settings, int maxRestarts) {
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        ClassTag<String> lines = ClassTag$.MODULE$.apply(String.class);
        for (int attempt = 0;; attempt++) {
            JavaRDD<Integer> workers = context.parallelize(IntStream.range(0, settings.workers()).boxed().toList(),
                    settings.workers());
            try {
                return JavaRDD.fromRDD(workers.rdd().barrier().mapPartitions(new Worker(settings, attempt), false, lines),
                        lines).collect();
            } catch (Exception e) { // Spark throws its checked SparkException without declaring it
                if (attempt >= maxRestarts) {
                    throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
                }
                LOG.warning("training attempt " + attempt + " failed (" + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
                        + "); starting again from the newest checkpoint in " + settings.output());
            }
        }
    }

    /** One barrier task: links the ring through the barrier context and trains as its worker. */
    private static final class Worker extends AbstractFunction1<Iterator<Integer>, Iterator<String>> implements Serializable {
        private final Settings settings;
        private final int attempt;

        Worker(Settings settings, int attempt) {
            this.settings = settings;
            this.attempt = attempt;
        }

        @Override
        public Iterator<String> apply(Iterator<Integer> ignored) {
            BarrierTaskContext task = BarrierTaskContext.get();
            int rank = task.partitionId();
            Rendezvous rendezvous = (r, own) -> Arrays.asList(task.allGather(own));
            String host = SparkEnv.get().blockManager().blockManagerId().host();
            try (ImageTextDataset data = settings.dataset();
                    TcpRing ring = TcpRing.connect(rank, settings.workers(), rendezvous, host,
                            Duration.ofSeconds(settings.timeoutSeconds()));
                    Trainer trainer = Trainer.create(settings.config(), data).collective(ring)) {
                if (attempt == 0 && rank == settings.failRank()) {
                    trainer.addListener(new TrainingListener() {
                        @Override
                        public void onStep(StepMetrics m) {
                            if (m.step() == settings.failAtStep()) {
                                throw new IllegalStateException("test hook: worker " + rank + " fails after step " + m.step());
                            }
                        }
                    });
                }
                TrainingResult result = trainer.resumeLatestOrTrain();
                String line = String.format("worker %d of %d (attempt %d): %d steps, final loss %.6f, %.1f s, checkpoint %s",
                        rank, settings.workers(), attempt, result.steps(), result.finalLoss(), result.seconds(),
                        result.checkpoint());
                return CollectionConverters.asScala(List.of(line).iterator());
            } catch (Exception e) {
                throw new IllegalStateException("worker " + rank + " of " + settings.workers() + ": " + e.getMessage(), e);
            }
        }
    }
}
