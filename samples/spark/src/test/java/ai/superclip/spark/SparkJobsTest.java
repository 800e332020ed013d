package ai.superclip.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.data.SyntheticScenes;
import ai.superclip.inference.Model;
import ai.superclip.inference.ZeroShotClassifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The launcher's jobs, run in-process on the tests' local[2] session, against the single-JVM SDK. */
class SparkJobsTest {
    private static final Path OUT = TestCorpus.ROOT.resolve("jobs");

    private static SparkSession spark;
    private static List<Path> images;
    private static float[][] expectedImages;
    private static float[][] expectedCaptions;
    private static String model;

    @BeforeAll
    static void setUp() throws Exception {
        images = TestCorpus.images();
        spark = LocalSpark.session();
        model = TestCorpus.MODEL.toAbsolutePath().toString();
        try (Model m = Model.load(TestCorpus.MODEL)) {
            expectedImages = m.imageEncoder().encodeFiles(images);
            expectedCaptions = m.textEncoder().encode(TestCorpus.captions());
        }
        TestCorpus.deleteRecursively(OUT);
        Files.createDirectories(OUT);
    }

    private static void run(String... args) {
        int code = new CommandLine(new SparkJobs()).execute(args);
        assertEquals(0, code, "superclip-spark " + String.join(" ", args));
    }

    /** A manifest with image paths relative to its folder, captions, and one row naming a missing file. */
    private static Path manifest() throws Exception {
        List<String> lines = new ArrayList<>(List.of("filepath,title"));
        for (int i = 0; i < images.size(); i++) {
            lines.add("images/" + images.get(i).getFileName() + ",\"" + TestCorpus.captions().get(i) + "\"");
        }
        lines.add("images/missing.png,a picture that is not there");
        Path csv = TestCorpus.ROOT.resolve("manifest.csv");
        Files.write(csv, lines);
        return csv;
    }

    @Test
    void embedThenIndexMatchTheSdkAndABruteForceSearch() throws Exception {
        String embedded = OUT.resolve("embeddings").toString();
        run("embed", "--csv", manifest().toString(), "--model", model, "--output", embedded, "--partitions", "3",
                "--batch-size", "4");
        Map<String, Row> rows = new HashMap<>();
        for (Row row : spark.read().parquet(embedded).collectAsList()) {
            rows.put(row.getAs("id"), row);
        }
        assertEquals(images.size() + 1, rows.size());
        for (int i = 0; i < images.size(); i++) {
            Row row = rows.get("images/" + images.get(i).getFileName());
            assertArrayEquals(expectedImages[i], SparkVectors.floats(row.getAs("embedding")));
            assertEquals(TestCorpus.captions().get(i), row.getAs("caption"));
            assertNull(row.getAs("error"));
        }
        assertTrue(((String) rows.get("images/missing.png").getAs("error")).contains("missing.png"));

        Path index = OUT.resolve("index");
        run("index", "--embeddings", embedded, "--model", model, "--output", index.toString(), "--k", "3");
        List<String> ids = Files.readAllLines(index.resolve(VectorFiles.IDS));
        assertEquals(images.size(), ids.size(), "the unreadable image has no vector");
        ByteBuffer fvecs = ByteBuffer.wrap(Files.readAllBytes(index.resolve(VectorFiles.VECTORS)))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[][] vectors = new float[ids.size()][];
        for (int r = 0; r < ids.size(); r++) {
            vectors[r] = new float[fvecs.getInt()];
            for (int i = 0; i < vectors[r].length; i++) {
                vectors[r][i] = fvecs.getFloat();
            }
            int image = indexOf(ids.get(r));
            assertArrayEquals(expectedImages[image], vectors[r], ids.get(r));
        }
        assertEquals(0, fvecs.remaining());

        for (Row row : spark.read().parquet(index.resolve("image_neighbours").toString()).collectAsList()) {
            int query = indexOf(row.getAs("id"));
            assertEquals(bruteForce(expectedImages[query], query, 3), names(row.getList(1)), "image " + query);
        }
        int firstHits = 0;
        for (Row row : spark.read().parquet(index.resolve("text_neighbours").toString()).collectAsList()) {
            int query = indexOf(row.getAs("id"));
            List<Integer> want = bruteForce(expectedCaptions[query], -1, 3);
            assertEquals(want, names(row.getList(1)), "caption " + query);
            firstHits += want.get(0) == query ? 1 : 0;
        }
        System.out.printf("index: caption → own image first for %d of %d%n", firstHits, images.size());
    }

    @Test
    void zeroshotOnAFolderMatchesTheSdkClassifier() throws Exception {
        String out = OUT.resolve("zeroshot").toString();
        List<String> templates = List.of("one {} circle", "two {} squares");
        run("zeroshot", "--images", TestCorpus.IMAGES.toAbsolutePath().toString(), "--model", model, "--output", out,
                "--labels", String.join(",", SyntheticScenes.COLORS), "--template", templates.get(0),
                "--template", templates.get(1), "--top-k", "2");
        ZeroShotClassifier classifier;
        try (Model m = Model.load(TestCorpus.MODEL)) {
            classifier = m.zeroShot(SyntheticScenes.COLORS, templates);
        }
        List<Row> rows = spark.read().parquet(out).collectAsList();
        assertEquals(images.size(), rows.size());
        for (Row row : rows) {
            String id = row.getAs("id");
            int image = indexOf(id.substring(id.lastIndexOf('/') + 1));
            var best = classifier.classify(expectedImages[image], 2);
            assertEquals(best.get(0).label(), row.getAs("label"), id);
            assertEquals(best.get(0).score(), (float) row.getAs("score"), id);
            assertEquals(best.get(1).label(), ((Row) row.getList(row.fieldIndex("top_labels")).get(1)).getString(0));
        }
    }

    @Test
    void embedReadsWebDatasetShards() throws Exception {
        Path shards = OUT.resolve("shards");
        Files.createDirectories(shards);
        for (int shard = 0; shard < 2; shard++) {
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
                    Files.newOutputStream(shards.resolve("shard-" + shard + ".tar")))) {
                for (int i = shard * 12; i < shard * 12 + 12; i++) {
                    String key = String.format("%06d", i);
                    WebDatasetShardsTest.addMember(tar, key + ".png", Files.readAllBytes(images.get(i)));
                    WebDatasetShardsTest.addMember(tar, key + ".txt",
                            TestCorpus.captions().get(i).getBytes(StandardCharsets.UTF_8));
                }
                if (shard == 1) {
                    WebDatasetShardsTest.addMember(tar, "orphan.txt",
                            "a caption without its image".getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        String embedded = OUT.resolve("shard-embeddings").toString();
        run("embed", "--shards", shards.toString(), "--model", model, "--output", embedded);
        Map<String, Row> rows = new HashMap<>();
        for (Row row : spark.read().parquet(embedded).collectAsList()) {
            rows.put(row.getAs("id"), row);
        }
        assertEquals(images.size() + 1, rows.size());
        for (int i = 0; i < images.size(); i++) {
            Row row = rows.get(String.format("shard-%d.tar/%06d", i / 12, i));
            assertArrayEquals(expectedImages[i], SparkVectors.floats(row.getAs("embedding")));
            assertEquals(TestCorpus.captions().get(i), row.getAs("caption"));
        }
        assertTrue(((String) rows.get("shard-1.tar/orphan").getAs("error")).contains("shard-1.tar/orphan"));
    }

    /** The test corpus index of an id ({@code images/<file>} or the file name). */
    private static int indexOf(String id) {
        String name = id.substring(id.lastIndexOf('/') + 1);
        return IntStream.range(0, images.size()).filter(i -> images.get(i).getFileName().toString().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("unknown id " + id));
    }

    private static List<Integer> names(List<String> ids) {
        return ids.stream().map(SparkJobsTest::indexOf).toList();
    }

    /** The k images nearest {@code query} by a double-precision dot product and a full sort. */
    private static List<Integer> bruteForce(float[] query, int exclude, int k) {
        double[] scores = new double[images.size()];
        for (int i = 0; i < scores.length; i++) {
            for (int d = 0; d < query.length; d++) {
                scores[i] += (double) query[d] * expectedImages[i][d];
            }
        }
        return IntStream.range(0, images.size()).filter(i -> i != exclude).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparing(i -> i)).limit(k).toList();
    }
}
