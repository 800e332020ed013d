package ai.superclip.spark;

import static org.apache.spark.sql.functions.col;

import ai.superclip.model.Presets;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The Spark jobs: {@code embed} (images to Parquet embeddings), {@code zeroshot} (images to labels),
 * {@code index} (exact neighbours plus files for a vector index) and {@code train} (synchronous data-parallel
 * training in barrier mode). Run with spark-submit, or in local mode with
 * {@code --master local[N]}.
 */
@Command(name = "superclip-spark", mixinStandardHelpOptions = true,
        description = "Embed, label and index image corpora with a SuperCLIP model on Apache Spark.",
        subcommands = {SparkJobs.Embed.class, SparkJobs.ZeroShot.class, SparkJobs.Index.class, SparkJobs.Train.class})
public final class SparkJobs {

    public static void main(String[] args) {
        int code = new CommandLine(new SparkJobs()).execute(args);
        SparkSession.getActiveSession().foreach(session -> {
            session.stop();
            return null;
        });
        System.exit(code);
    }

    /** The Spark master option every job has, and the session builder it configures. */
    static final class Master {
        @Option(names = "--master", description = "Spark master, e.g. local[2] (default: as spark-submit sets it)")
        String master;

        SparkSession.Builder builder(String job) {
            SparkSession.Builder builder = SparkSession.builder().appName("superclip-spark " + job);
            if (master != null) {
                builder.master(master);
            }
            return builder;
        }
    }

    /** Options every corpus job has. */
    static final class Common {
        @Mixin Master master;

        @Option(names = "--output", required = true, description = "output folder (any Hadoop file system URI)")
        String output;

        @Option(names = "--overwrite", description = "replace an existing output")
        boolean overwrite;

        @Option(names = "--ship-model", description = "ship the model files with the job (as spark-submit --files "
                + "does) instead of reading --model on every executor")
        boolean shipModel;

        SparkSession session(String job, String model) {
            SparkSession.Builder builder = master.builder(job);
            if (shipModel && model != null) {
                // As spark-submit --files does: set before the context starts. (Spark 4 does not give tasks of an
                // isolated session the files that SparkContext.addFile adds later.)
                List<String> files = new ArrayList<>();
                String given = System.getProperty("spark.files");
                if (given != null && !given.isBlank()) {
                    files.add(given);
                }
                try (Stream<Path> listing = Files.list(ExecutorModels.resolve(model))) {
                    listing.filter(Files::isRegularFile).forEach(f -> files.add(f.toAbsolutePath().toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list the model folder " + model, e);
                }
                builder.config("spark.files", String.join(",", files));
            }
            return builder.getOrCreate();
        }

        SaveMode mode() {
            return overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists;
        }
    }

    /** Options of the jobs that embed images. */
    static final class Embedding {
        @Option(names = "--model", required = true, description = "exported model folder (Trainer.exportEncoders)")
        String model;

        @Option(names = "--batch-size", description = "images per inference run (default: ${DEFAULT-VALUE})")
        int batchSize = 32;

        @Option(names = "--threads", description = "ONNX Runtime threads per executor (default: its cores)")
        int threads;

        @Option(names = "--on-bad-image", description = "error (keep the row, reason in 'error') or skip "
                + "(default: ${DEFAULT-VALUE})")
        String onBadImage = ImageEmbedder.ERROR;

        ImageEmbedder embedder() {
            return new ImageEmbedder().setModelDir(model).setInputCol(JobInput.IMAGE).setIdCol(JobInput.ID)
                    .setBatchSize(batchSize).setThreads(threads).setOnBadImage(onBadImage);
        }
    }

    /** Columns of {@code rows} named in {@code wanted}, in that order, where present. */
    private static Column[] present(Dataset<Row> rows, String... wanted) {
        List<String> have = List.of(rows.columns());
        List<Column> out = new ArrayList<>();
        for (String name : wanted) {
            if (have.contains(name)) {
                out.add(col(name));
            }
        }
        return out.toArray(Column[]::new);
    }

    /** Prints what a job wrote and how fast, with the unreadable images. */
    private static void report(PrintStream out, String what, long rows, long bad, long nanos) {
        double seconds = nanos / 1e9;
        out.printf("%s: %d rows in %.1f s (%.1f rows/s); %d unreadable images%s%n", what, rows, seconds,
                rows / seconds, bad, bad > 0 ? " (see the 'error' column, or the executors' logs with --on-bad-image skip)" : "");
    }

    @Command(name = "embed", mixinStandardHelpOptions = true,
            description = "Images to L2-normalised embeddings in Parquet (id, caption when present, embedding, error).")
    static final class Embed implements Callable<Integer> {
        @Mixin Common common;
        @Mixin JobInput input;
        @Mixin Embedding embedding;

        @Override
        public Integer call() {
            SparkSession spark = common.session("embed", embedding.model);
            long start = System.nanoTime();
            ImageEmbedder embedder = embedding.embedder();
            Dataset<Row> out = embedder.transform(input.read(spark));
            out.select(present(out, JobInput.ID, JobInput.CAPTION, "embedding", "error")).write().mode(common.mode())
                    .parquet(common.output);
            long rows = spark.read().parquet(common.output).count();
            report(System.out, "embed", rows, embedder.badImages().value(), System.nanoTime() - start);
            return 0;
        }
    }

    @Command(name = "zeroshot", mixinStandardHelpOptions = true,
            description = "Images to zero-shot labels in Parquet (id, label, score, top_labels with --top-k > 1, error).")
    static final class ZeroShot implements Callable<Integer> {
        @Mixin Common common;
        @Mixin JobInput input;
        @Mixin Embedding embedding;

        @Option(names = "--labels", required = true, split = ",", description = "class names, comma-separated")
        List<String> labels;

        @Option(names = "--template", description = "prompt with {} for the class name; repeat for several "
                + "(default: 'a photo of a {}.')")
        List<String> templates = new ArrayList<>(List.of("a photo of a {}."));

        @Option(names = "--top-k", description = "also list the k best classes (default: ${DEFAULT-VALUE})")
        int topK = 1;

        @Override
        public Integer call() {
            SparkSession spark = common.session("zeroshot", embedding.model);
            long start = System.nanoTime();
            ImageEmbedder embedder = embedding.embedder();
            ZeroShotLabeler labeler = new ZeroShotLabeler().setModelDir(embedding.model).setLabels(labels)
                    .setTemplates(templates).setTopK(topK);
            Dataset<Row> out = labeler.transform(embedder.transform(input.read(spark)));
            out.select(present(out, JobInput.ID, JobInput.CAPTION, "label", "score", "top_labels", "error")).write()
                    .mode(common.mode()).parquet(common.output);
            long rows = spark.read().parquet(common.output).count();
            report(System.out, "zeroshot", rows, embedder.badImages().value(), System.nanoTime() - start);
            return 0;
        }
    }

    @Command(name = "index", mixinStandardHelpOptions = true,
            description = "From an embed job's output: exact top-k image→image and caption→image neighbours "
                    + "(Parquet), and vectors.fvecs + ids.txt for a vector index.")
    static final class Index implements Callable<Integer> {
        @Mixin Common common;

        @Option(names = "--embeddings", required = true, description = "the embed job's output")
        String embeddings;

        @Option(names = "--model", description = "exported model, to embed the captions as text queries")
        String model;

        @Option(names = "--k", description = "neighbours per query (default: ${DEFAULT-VALUE})")
        int k = 10;

        @Option(names = "--max-corpus", description = "most embeddings broadcast for exact search "
                + "(default: ${DEFAULT-VALUE})")
        long maxCorpus = 2_000_000;

        @Override
        public Integer call() throws Exception {
            SparkSession spark = common.session("index", model);
            long start = System.nanoTime();
            Dataset<Row> rows = spark.read().parquet(embeddings).filter(col("embedding").isNotNull());
            ExactNeighbours.Corpus corpus = ExactNeighbours.collect(rows, JobInput.ID, "embedding", maxCorpus);
            VectorFiles.write(corpus, common.output, spark.sparkContext().hadoopConfiguration());
            Broadcast<ExactNeighbours.Corpus> shared = spark.sparkContext().broadcast(corpus,
                    scala.reflect.ClassTag$.MODULE$.apply(ExactNeighbours.Corpus.class));
            ExactNeighbours.search(rows, JobInput.ID, "embedding", shared, k, true).write().mode(common.mode())
                    .parquet(common.output + "/image_neighbours");
            System.out.printf("index: %d vectors of %d floats in %s/%s (ids in %s)%n", corpus.ids().length,
                    corpus.vectors().length == 0 ? 0 : corpus.vectors()[0].length, common.output, VectorFiles.VECTORS,
                    VectorFiles.IDS);
            if (List.of(rows.columns()).contains(JobInput.CAPTION) && model != null) {
                Dataset<Row> texts = new TextEmbedder().setModelDir(model).setInputCol(JobInput.CAPTION)
                        .setOutputCol("text_embedding").transform(rows.select(JobInput.ID, JobInput.CAPTION)
                                .filter(col(JobInput.CAPTION).isNotNull()));
                String out = common.output + "/text_neighbours";
                ExactNeighbours.search(texts, JobInput.ID, "text_embedding", shared, k, false).write()
                        .mode(common.mode()).parquet(out);
                Dataset<Row> found = spark.read().parquet(out);
                long queries = found.count();
                long hits = found.filter("array_contains(neighbours, id)").count();
                long top1 = found.filter("neighbours[0] = id").count();
                System.out.printf("index: %d captions as queries; own image first %.3f, in the top %d %.3f%n",
                        queries, top1 / (double) queries, k, hits / (double) queries);
            }
            shared.destroy();
            System.out.printf("index: done in %.1f s%n", (System.nanoTime() - start) / 1e9);
            return 0;
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Synchronous data-parallel training, one barrier task per worker (docs/distributed.md): every"
                    + " step equals one process's step over the global --batch-size.")
    static final class Train implements Callable<Integer> {
        @Mixin Master master;

        @Option(names = "--num-workers", required = true, description = "workers (barrier tasks); needs as many task slots")
        int workers;

        @Option(names = "--model", completionCandidates = Presets.Names.class,
                description = "preset: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
        String preset = "tiny";

        @Option(names = "--train-data", required = true, description = "CSV manifest (filepath, title) every executor reads,"
                + " or synthetic:N")
        String trainData;

        @Option(names = "--batch-size", description = "global micro-batch, split evenly over the workers (default: ${DEFAULT-VALUE})")
        int batchSize = 64;

        @Option(names = "--accum-freq", description = "micro-batches per optimizer step (default: ${DEFAULT-VALUE})")
        int accumulation = 1;

        @Option(names = "--steps", required = true, description = "optimizer steps")
        int steps;

        @Option(names = "--lr", description = "peak learning rate (default: ${DEFAULT-VALUE})")
        double learningRate = 5e-4;

        @Option(names = "--warmup", description = "warm-up steps (default: ${DEFAULT-VALUE})")
        int warmup = 0;

        @Option(names = "--seed", description = "seeds weights, data order and augmentation (default: ${DEFAULT-VALUE})")
        long seed = 0;

        @Option(names = "--threads", description = "ONNX Runtime threads per worker (0: all cores; default: ${DEFAULT-VALUE})")
        int threads = 0;

        @Option(names = "--save-frequency", description = "optimizer steps between checkpoints (default: ${DEFAULT-VALUE})")
        int checkpointEvery = 100;

        @Option(names = "--keep-checkpoints", description = "how many recent checkpoints to keep (default: ${DEFAULT-VALUE})")
        int keepCheckpoints = 3;

        @Option(names = "--out", required = true, description = "run directory every executor reaches (shared file system)")
        String output;

        @Option(names = "--timeout", description = "seconds a worker waits for a peer before failing the stage (default: ${DEFAULT-VALUE})")
        int timeoutSeconds = 600;

        @Option(names = "--max-restarts", description = "failed attempts restarted from the newest checkpoint (default: ${DEFAULT-VALUE})")
        int maxRestarts = 3;

        @Override
        public Integer call() {
            DistributedTraining.Settings settings = new DistributedTraining.Settings(preset, trainData, workers, batchSize,
                    accumulation, steps, learningRate, warmup, seed, threads, checkpointEvery, keepCheckpoints,
                    Path.of(output).toAbsolutePath().toString(), timeoutSeconds, -1, -1);
            DistributedTraining.run(master.builder("train").getOrCreate(), settings, maxRestarts).forEach(System.out::println);
            return 0;
        }
    }
}
