package ai.superclip.spark;

import ai.superclip.inference.Embeddings;
import ai.superclip.inference.TopK;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Exact top-k neighbours by cosine (dot product of L2-normalised embeddings) against a corpus collected on the
 * driver and broadcast to every executor: each query partition scans the whole corpus. Cost per query: N·E
 * multiply-adds; memory per executor: the corpus (N·E·4 bytes). Meant for corpora up to a few million vectors;
 * beyond that, hand the vectors to an approximate index (see the module's README).
 */
final class ExactNeighbours {
    static final String NEIGHBOURS = "neighbours";
    static final String SCORES = "scores";

    /** The corpus: ids and embeddings, row by row. */
    record Corpus(String[] ids, float[][] vectors) implements Serializable {
    }

    private ExactNeighbours() {
    }

    /**
     * For each row of {@code queries} ({@code id} string, {@code embedding} array<float>): its k nearest corpus
     * rows, best first, as {@code id, neighbours array<string>, scores array<float>}.
     *
     * @param excludeSelf leave out the corpus row with the query's own id (image → image search)
     */
    static Dataset<Row> search(Dataset<Row> queries, String idColumn, String embeddingColumn,
                               Broadcast<Corpus> corpus, int k, boolean excludeSelf) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        StructType schema = new StructType().add(JobInput.ID, DataTypes.StringType, false)
                .add(NEIGHBOURS, DataTypes.createArrayType(DataTypes.StringType, false), false)
                .add(SCORES, DataTypes.createArrayType(DataTypes.FloatType, false), false);
        MapPartitionsFunction<Row, Row> scan = rows -> {
            Corpus c = corpus.value();
            List<Row> out = new ArrayList<>();
            while (rows.hasNext()) {
                Row row = rows.next();
                String id = row.getString(0);
                List<TopK.Hit> hits = topK(c, SparkVectors.floats(row.get(1)), k, excludeSelf ? id : null);
                String[] ids = new String[hits.size()];
                float[] scores = new float[hits.size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = c.ids()[hits.get(i).index()];
                    scores[i] = hits.get(i).score();
                }
                out.add(RowFactory.create(id, ids, scores));
            }
            return out.iterator();
        };
        return queries.select(idColumn, embeddingColumn).mapPartitions(scan, Encoders.row(schema));
    }

    /** The k best corpus rows for {@code query}, best first; ties go to the lower row. */
    static List<TopK.Hit> topK(Corpus corpus, float[] query, int k, String excludedId) {
        TopK best = new TopK(k);
        for (int i = 0; i < corpus.vectors().length; i++) {
            if (excludedId == null || !excludedId.equals(corpus.ids()[i])) {
                best.offer(i, Embeddings.dot(query, corpus.vectors()[i]));
            }
        }
        return best.bestFirst();
    }

    /** Collects {@code id, embedding} rows (nulls dropped) on the driver, refusing more than {@code maxRows}. */
    static Corpus collect(Dataset<Row> embeddings, String idColumn, String embeddingColumn, long maxRows) {
        Dataset<Row> rows = embeddings.select(idColumn, embeddingColumn).filter(embeddings.col(embeddingColumn)
                .isNotNull());
        long count = rows.count();
        if (count > maxRows) {
            throw new IllegalArgumentException(count + " embeddings exceed --max-corpus " + maxRows + " for exact "
                    + "search on one broadcast matrix; raise it if the driver and executors hold N·E·4 bytes, or "
                    + "index vectors.fvecs with an approximate index (FAISS IVF-PQ, HNSW)");
        }
        List<String> ids = new ArrayList<>((int) count);
        List<float[]> vectors = new ArrayList<>((int) count);
        Iterator<Row> it = rows.toLocalIterator();
        while (it.hasNext()) {
            Row row = it.next();
            ids.add(row.getString(0));
            vectors.add(SparkVectors.floats(row.get(1)));
        }
        return new Corpus(ids.toArray(String[]::new), vectors.toArray(float[][]::new));
    }
}
