package ai.superclip.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.data.SyntheticScenes;
import ai.superclip.inference.Model;
import ai.superclip.inference.ScoredItem;
import ai.superclip.inference.ZeroShotClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Spark stages in local mode ({@code local[2]}) against the single-JVM SDK on the same PNG files: embeddings
 * and zero-shot labels must be equal, not merely close.
 */
class SparkStagesTest {
    private static final List<String> TEMPLATES = List.of("one {} circle", "two {} squares");

    private static SparkSession spark;
    private static List<Path> images;
    private static String model;
    private static float[][] expectedImages;

    @BeforeAll
    static void setUp() throws Exception {
        images = TestCorpus.images();
        model = TestCorpus.MODEL.toAbsolutePath().toString();
        spark = LocalSpark.session();
        try (Model m = Model.load(TestCorpus.MODEL)) {
            expectedImages = m.imageEncoder().encodeFiles(images);
        }
    }

    /** Paths as a string column, spread over three partitions. */
    private static Dataset<Row> paths(List<Path> files) {
        List<String> names = files.stream().map(Path::toString).toList();
        return spark.createDataset(names, Encoders.STRING()).toDF("path").repartition(3);
    }

    /** Embeddings by file name. */
    private static Map<String, float[]> embeddingsByName(Dataset<Row> embedded, String pathColumn) {
        Map<String, float[]> out = new HashMap<>();
        for (Row row : embedded.select(pathColumn, "embedding").collectAsList()) {
            String name = row.getString(0); // the file name: the sources spell their URIs differently
            out.put(name.substring(name.lastIndexOf('/') + 1), row.isNullAt(1) ? null : SparkVectors.floats(row.get(1)));
        }
        return out;
    }

    @Test
    void imageEmbeddingsFromPathsEqualTheSingleJvmEncoder() {
        ImageEmbedder embedder = new ImageEmbedder().setModelDir(model).setInputCol("path").setBatchSize(5);
        Map<String, float[]> spark = embeddingsByName(embedder.transform(paths(images)), "path");
        assertEquals(images.size(), spark.size());
        for (int i = 0; i < images.size(); i++) {
            String name = images.get(i).getFileName().toString();
            assertArrayEquals(expectedImages[i], spark.get(name), name);
        }
        assertEquals(0, embedder.badImages().value());
        double norm = 0;
        for (float v : spark.get(images.get(0).getFileName().toString())) {
            norm += v * v;
        }
        assertEquals(1.0, Math.sqrt(norm), 1e-5, "L2-normalised");
    }

    @Test
    void imageEmbeddingsFromBinaryFilesAndSparkImagesEqualTheSingleJvmEncoder() {
        Dataset<Row> binary = spark.read().format("binaryFile").load(TestCorpus.IMAGES.toAbsolutePath().toString());
        Map<String, float[]> fromBytes = embeddingsByName(new ImageEmbedder().setModelDir(model)
                .setInputCol("content").transform(binary), "path");
        Dataset<Row> decoded = spark.read().format("image").load(TestCorpus.IMAGES.toAbsolutePath().toString())
                .selectExpr("image", "image.origin AS origin");
        Map<String, float[]> fromStructs = embeddingsByName(new ImageEmbedder().setModelDir(model).setIdCol("origin")
                .transform(decoded), "origin");
        for (int i = 0; i < images.size(); i++) {
            String name = images.get(i).getFileName().toString();
            assertArrayEquals(expectedImages[i], fromBytes.get(name), "binaryFile " + name);
            assertArrayEquals(expectedImages[i], fromStructs.get(name), "image source " + name);
        }
    }

    @Test
    void textEmbeddingsEqualTheSingleJvmEncoder() throws Exception {
        List<String> captions = TestCorpus.captions();
        float[][] expected;
        try (Model m = Model.load(TestCorpus.MODEL)) {
            expected = m.textEncoder().encode(captions);
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < captions.size(); i++) {
            rows.add(RowFactory.create(i, captions.get(i)));
        }
        rows.add(RowFactory.create(-1, null));
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("caption", DataTypes.StringType);
        Dataset<Row> embedded = new TextEmbedder().setModelDir(model).setBatchSize(7)
                .transform(spark.createDataFrame(rows, schema).repartition(2));
        int seen = 0;
        for (Row row : embedded.collectAsList()) {
            int id = row.getInt(0);
            if (id < 0) {
                assertTrue(row.isNullAt(2), "a null caption gets a null embedding");
            } else {
                assertArrayEquals(expected[id], SparkVectors.floats(row.get(2)), captions.get(id));
                seen++;
            }
        }
        assertEquals(captions.size(), seen);
    }

    @Test
    void zeroShotLabelsEqualTheSdkClassifier() throws Exception {
        List<ScoredItem>[] expected = topThree();
        ZeroShotLabeler labeler = new ZeroShotLabeler().setModelDir(model).setLabels(SyntheticScenes.COLORS)
                .setTemplates(TEMPLATES).setTopK(3);
        Dataset<Row> labelled = labeler.transform(new ImageEmbedder().setModelDir(model).setInputCol("path")
                .transform(paths(images)));
        int checked = 0;
        for (Row row : labelled.select("path", "label", "score", "top_labels").collectAsList()) {
            List<ScoredItem> want = expected[images.indexOf(Path.of(row.getString(0)))];
            assertEquals(want.get(0).label(), row.getString(1));
            assertEquals(want.get(0).score(), row.getFloat(2));
            List<Row> top = row.getList(3);
            assertEquals(3, top.size());
            for (int k = 0; k < 3; k++) {
                assertEquals(want.get(k).label(), top.get(k).getString(0));
                assertEquals(want.get(k).score(), top.get(k).getFloat(1));
            }
            checked++;
        }
        assertEquals(images.size(), checked);
    }

    @SuppressWarnings("unchecked")
    private static List<ScoredItem>[] topThree() throws Exception {
        List<ScoredItem>[] out = new List[images.size()];
        try (Model m = Model.load(TestCorpus.MODEL)) {
            ZeroShotClassifier classifier = m.zeroShot(SyntheticScenes.COLORS, TEMPLATES);
            for (int i = 0; i < images.size(); i++) {
                out[i] = classifier.classify(expectedImages[i], 3);
            }
        }
        return out;
    }

    @Test
    void aPipelineSavesAndLoadsWithItsParams() throws Exception {
        Path saved = TestCorpus.ROOT.resolve("pipeline");
        TestCorpus.deleteRecursively(saved);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new ImageEmbedder().setModelDir(model).setInputCol("path").setBatchSize(4).setOnBadImage(ImageEmbedder.SKIP),
            new TextEmbedder().setModelDir(model).setInputCol("caption").setOutputCol("caption_embedding"),
            new ZeroShotLabeler().setModelDir(model).setLabels(SyntheticScenes.COLORS).setTemplates(TEMPLATES)});
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            rows.add(RowFactory.create(images.get(i).toString(), TestCorpus.captions().get(i)));
        }
        Dataset<Row> input = spark.createDataFrame(rows, new StructType().add("path", DataTypes.StringType)
                .add("caption", DataTypes.StringType));
        PipelineModel fitted = pipeline.fit(input);
        fitted.write().overwrite().save(saved.toString());
        PipelineModel loaded = PipelineModel.load(saved.toString());

        ImageEmbedder embedder = (ImageEmbedder) loaded.stages()[0];
        assertEquals(4, embedder.getBatchSize());
        assertEquals(ImageEmbedder.SKIP, embedder.getOrDefault(embedder.onBadImage()));
        assertEquals("caption_embedding", ((TextEmbedder) loaded.stages()[1]).getOutputCol());
        assertEquals(SyntheticScenes.COLORS, List.of(((ZeroShotLabeler) loaded.stages()[2]).getOrDefault(
                ((ZeroShotLabeler) loaded.stages()[2]).labels())));
        List<Row> before = fitted.transform(input).orderBy("path").collectAsList();
        List<Row> after = loaded.transform(input).orderBy("path").collectAsList();
        assertEquals(before.size(), after.size());
        for (int i = 0; i < before.size(); i++) {
            assertEquals(before.get(i).getString(0), after.get(i).getString(0));
            assertEquals(before.get(i).getList(2), after.get(i).getList(2), "image embedding");
            assertEquals(before.get(i).getList(3), after.get(i).getList(3), "caption embedding");
            assertEquals(before.get(i).getString(4), after.get(i).getString(4), "label");
        }
    }

    @Test
    void aCorruptImageFillsTheErrorColumnAndIsCounted() throws Exception {
        Path broken = TestCorpus.ROOT.resolve("broken.png");
        byte[] png = Files.readAllBytes(images.get(0));
        Files.write(broken, Arrays.copyOf(png, png.length / 3)); // a truncated PNG
        Path missing = TestCorpus.ROOT.resolve("no-such-image.png");
        List<Path> files = new ArrayList<>(images.subList(0, 5));
        files.add(broken.toAbsolutePath());
        files.add(missing.toAbsolutePath());
        Dataset<Row> input = spark.createDataset(files.stream().map(Path::toString).toList(), Encoders.STRING())
                .toDF("path").coalesce(1); // one partition holds the good and the bad images

        ImageEmbedder embedder = new ImageEmbedder().setModelDir(model).setInputCol("path").setBatchSize(3);
        Map<String, Row> out = new HashMap<>();
        for (Row row : embedder.transform(input).collectAsList()) {
            out.put(row.getString(0), row);
        }
        assertEquals(files.size(), out.size(), "every row is kept");
        for (int i = 0; i < 5; i++) {
            Row row = out.get(files.get(i).toString());
            assertArrayEquals(expectedImages[i], SparkVectors.floats(row.get(1)));
            assertNull(row.get(2));
        }
        for (Path bad : List.of(broken.toAbsolutePath(), missing.toAbsolutePath())) {
            Row row = out.get(bad.toString());
            assertNull(row.get(1));
            assertNotNull(row.getString(2));
            assertTrue(row.getString(2).contains(bad.toString()), row.getString(2));
        }
        assertEquals(2, embedder.badImages().value());

        ImageEmbedder skipping = new ImageEmbedder().setModelDir(model).setInputCol("path")
                .setOnBadImage(ImageEmbedder.SKIP);
        assertEquals(5, skipping.transform(input).count());
        assertEquals(2, skipping.badImages().value());
        assertEquals(List.of("path", "embedding"), List.of(skipping.transform(input).columns()));
    }

    @Test
    void aMissingModelDirectoryFailsBeforeAnyTaskRuns() {
        String nowhere = TestCorpus.ROOT.resolve("no-model-here").toAbsolutePath().toString();
        for (SuperClipStage<?> stage : List.<SuperClipStage<?>>of(new ImageEmbedder().setInputCol("path"),
                new TextEmbedder().setInputCol("path"), new ZeroShotLabeler().setLabels(List.of("a")))) {
            stage.set(stage.modelDir(), nowhere);
            Dataset<Row> input = stage instanceof ZeroShotLabeler
                    ? new ImageEmbedder().setModelDir(model).setInputCol("path").transform(paths(images.subList(0, 1)))
                    : paths(images.subList(0, 1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> stage.transform(input));
            assertTrue(e.getMessage().contains(nowhere) && e.getMessage().contains("not found"), e.getMessage());
        }
    }
}
