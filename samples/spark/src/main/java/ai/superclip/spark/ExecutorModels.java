package ai.superclip.spark;

import ai.onnxruntime.OrtException;
import ai.superclip.inference.Model;
import ai.superclip.model.InferenceExport;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;

/**
 * One loaded {@link Model} per JVM (executor or driver), model directory and thread count, shared by all the
 * tasks the JVM runs: a partition never pays for a session of its own. The encoders serialise their runs, so
 * the one session gets every core of the executor as ONNX Runtime intra-op threads.
 *
 * <p>A model directory is found, in this order, as files shipped with the job (spark-submit
 * {@code --files dir/image_encoder.onnx,dir/text_encoder.onnx}, i.e. {@code spark.files}), then as the
 * path itself, which must then be readable on every executor (a shared mount).
 */
public final class ExecutorModels {
    /** The encoders' own batch limit; the stages' batch size is what each run gets. */
    private static final int ENCODER_MAX_BATCH = 1024;

    private static final ConcurrentHashMap<Key, Loaded> MODELS = new ConcurrentHashMap<>();

    private record Key(Path dir, int threads) {
    }

    /** A model and how long loading it took (the once-per-JVM start cost). */
    record Loaded(Model model, long loadMillis) {
    }

    private ExecutorModels() {
    }

    /**
     * The model in {@code modelDir}, loaded on first use in this JVM.
     *
     * @param threads ONNX Runtime intra-op threads; 0: the executor's cores
     */
    static Loaded get(String modelDir, int threads) {
        Key key = new Key(resolve(modelDir), threads > 0 ? threads : executorCores());
        return MODELS.computeIfAbsent(key, k -> load(k.dir(), k.threads()));
    }

    private static Loaded load(Path dir, int threads) {
        long start = System.nanoTime();
        try {
            Model model = Model.load(dir, threads, ENCODER_MAX_BATCH);
            return new Loaded(model, (System.nanoTime() - start) / 1_000_000);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot load the SuperCLIP model in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The local directory holding the encoders named by {@code modelDir}.
     *
     * @throws IllegalArgumentException naming the directory and the ways to provide it when none is found
     */
    public static Path resolve(String modelDir) {
        Path shipped = shippedFiles();
        if (shipped != null && isExported(shipped)) {
            return shipped;
        }
        Path given = modelDir.startsWith("file:") ? Path.of(URI.create(modelDir)) : Path.of(modelDir);
        if (isExported(given)) {
            return given.toAbsolutePath();
        }
        throw new IllegalArgumentException("SuperCLIP model directory '" + modelDir + "' not found: it must hold "
                + InferenceExport.IMAGE_ENCODER + " and " + InferenceExport.TEXT_ENCODER + " (Trainer.exportEncoders), "
                + "on a path every executor can read, or be shipped with the job (spark-submit --files "
                + "<dir>/" + InferenceExport.IMAGE_ENCODER + ",<dir>/" + InferenceExport.TEXT_ENCODER
                + ", i.e. spark.files; the jobs' --ship-model does that)");
    }

    private static boolean isExported(Path dir) {
        return Files.isRegularFile(dir.resolve(InferenceExport.IMAGE_ENCODER))
                && Files.isRegularFile(dir.resolve(InferenceExport.TEXT_ENCODER));
    }

    /** The folder where this JVM receives the job's shipped files; null outside a Spark JVM. */
    private static Path shippedFiles() {
        if (SparkEnv.get() == null) {
            return null;
        }
        try {
            return Path.of(SparkFiles.getRootDirectory());
        } catch (UncheckedIOException | IllegalStateException e) {
            return null;
        }
    }

    /** {@code spark.executor.cores}; in local mode the N of {@code local[N]}; else the machine's cores. */
    static int executorCores() {
        int machine = Runtime.getRuntime().availableProcessors();
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            return machine;
        }
        SparkConf conf = env.conf();
        if (conf.contains("spark.executor.cores")) {
            return conf.getInt("spark.executor.cores", machine);
        }
        String master = conf.get("spark.master", "").toLowerCase(Locale.ROOT);
        if (master.startsWith("local[")) {
            String n = master.substring("local[".length(), master.indexOf(']')).split(",")[0];
            return n.equals("*") ? machine : Integer.parseInt(n.trim());
        }
        return master.equals("local") ? 1 : machine;
    }
}
