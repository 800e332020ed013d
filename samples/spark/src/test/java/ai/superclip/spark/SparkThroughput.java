package ai.superclip.spark;

import ai.superclip.data.ImageDecoder;
import ai.superclip.data.ImagePreprocessor;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.inference.ImageEncoder;
import ai.superclip.inference.Model;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Throughput of the Spark image embedding (not a test): images/s with {@code local[1]} and {@code local[2]} against
 * the single-JVM encoder on the same PNG files, the split between decoding and inference, and the per-partition
 * and per-JVM start costs. Args: [preset] [images] [side]; defaults small 1000 256.
 */
public final class SparkThroughput {
    private static final Path ROOT = Path.of("target/throughput");

    private SparkThroughput() {
    }

    public static void main(String[] args) throws Exception {
        String preset = args.length > 0 ? args[0] : "small";
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int side = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        Path model = ROOT.resolve("model-" + preset);
        List<Path> files = prepare(preset, model, count, side);
        System.out.printf("%d PNG files of %dx%d, model %s, %d cores seen by the JVM%n", count, side, side, preset,
                Runtime.getRuntime().availableProcessors());

        for (int threads : new int[] {1, 2}) {
            singleJvm(model, files, threads);
        }
        spark("local[1]", 0, model, files);
        spark("local[2]", 0, model, files);
        spark("local[2]", 1, model, files); // one ORT thread: decoding gets the other core
    }

    private static List<Path> prepare(String preset, Path model, int count, int side) throws Exception {
        Path images = ROOT.resolve("images-" + side);
        if (!Files.isRegularFile(model.resolve("image_encoder.onnx"))) {
            SyntheticScenes scenes = SyntheticScenes.builder().count(64).build();
            TrainingConfig config = TrainingConfig.builder(preset).batchSize(8).steps(1).threads(2)
                    .output(ROOT.resolve("run-" + preset)).build();
            try (Trainer trainer = Trainer.create(config, scenes)) {
                trainer.train();
                trainer.exportEncoders(model);
            }
        }
        Files.createDirectories(images);
        SyntheticScenes scenes = SyntheticScenes.builder().count(count).imageSize(side).seed(3).build();
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Path png = images.resolve(String.format("scene-%05d.png", i)).toAbsolutePath();
            if (!Files.exists(png)) {
                ImageIO.write(scenes.read(i).image(), "png", png.toFile());
            }
            files.add(png);
        }
        return files;
    }

    /** The SDK in one JVM: decode + crop, then encode, batches of 32; the second of two passes counts. */
    private static void singleJvm(Path modelDir, List<Path> files, int threads) throws Exception {
        long loadStart = System.nanoTime();
        try (Model model = Model.load(modelDir, threads, 32)) {
            double loadMs = (System.nanoTime() - loadStart) / 1e6;
            ImageEncoder encoder = model.imageEncoder();
            ImagePreprocessor preprocessor = new ImagePreprocessor(encoder.imageSize());
            int per = preprocessor.floatsPerImage();
            FloatBuffer pixels = ByteBuffer.allocateDirect(32 * per * Float.BYTES).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            for (int pass = 0; pass < 2; pass++) {
                long decode = 0;
                long infer = 0;
                for (int from = 0; from < files.size(); from += 32) {
                    int n = Math.min(32, files.size() - from);
                    long t0 = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        BufferedImage image = ImageDecoder.decode(files.get(from + i));
                        preprocessor.centerCrop(image, pixels, i * per);
                    }
                    long t1 = System.nanoTime();
                    encoder.encode(pixels.position(0), n);
                    infer += System.nanoTime() - t1;
                    decode += t1 - t0;
                }
                if (pass == 1) {
                    double total = (decode + infer) / 1e9;
                    System.out.printf("single JVM, %d ORT threads: %.1f images/s (decode+crop %.1f s, inference %.1f s;"
                            + " model load %.0f ms)%n", threads, files.size() / total, decode / 1e9, infer / 1e9,
                            loadMs);
                }
            }
        }
    }

    /**
     * The ImageEmbedder over path rows: a cold pass (model load), warm passes, with and without Parquet.
     *
     * @param threads ORT intra-op threads of the executor's session (0: the executor's cores)
     */
    private static void spark(String master, int threads, Path model, List<Path> files) throws Exception {
        SparkSession spark = SparkSession.builder().master(master).appName("superclip-throughput")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        try {
            List<String> paths = files.stream().map(Path::toString).toList();
            int slots = Integer.parseInt(master.replaceAll("\\D", ""));
            for (int partitions : new int[] {slots * 2, slots * 2, 50}) { // the first pass loads the model
                Dataset<Row> input = spark.createDataset(paths, Encoders.STRING()).toDF("path").repartition(partitions)
                        .cache();
                input.count();
                ImageEmbedder embedder = new ImageEmbedder().setModelDir(model.toAbsolutePath().toString())
                        .setInputCol("path").setBatchSize(32).setThreads(threads);
                long t0 = System.nanoTime();
                embedder.transform(input).write().format("noop").mode("overwrite").save();
                double noop = (System.nanoTime() - t0) / 1e9;
                Path out = ROOT.resolve("out-" + slots + "-" + partitions);
                TestCorpus.deleteRecursively(out);
                long t1 = System.nanoTime();
                embedder.transform(input).write().parquet(out.toString());
                double parquet = (System.nanoTime() - t1) / 1e9;
                System.out.printf("spark %s, ORT threads %s, %d partitions: %.1f images/s without output (%.2f s), "
                        + "%.1f images/s writing Parquet (%.2f s)%n", master, threads == 0 ? "auto" : threads,
                        partitions, files.size() / noop, noop,
                        files.size() / parquet, parquet);
                input.unpersist();
            }
            System.out.printf("spark %s: model load in this JVM %d ms%n", master,
                    ExecutorModels.get(model.toAbsolutePath().toString(), threads).loadMillis());
        } finally {
            spark.stop();
        }
    }
}
