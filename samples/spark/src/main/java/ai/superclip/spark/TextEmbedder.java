package ai.superclip.spark;

import ai.superclip.inference.TextEncoder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;

/**
 * Captions (a string column) to L2-normalised embeddings ({@code array<float>}), exactly as {@link TextEncoder}
 * computes them in one JVM. A null caption gets a null embedding.
 */
public final class TextEmbedder extends EncoderStage<TextEmbedder> {
    private static final long serialVersionUID = 1L;
    private static final DefaultParamsReadable<TextEmbedder> READER = new DefaultParamsReadable<>() {
    };

    public TextEmbedder() {
        this(Identifiable.randomUID("superclipTextEmbedder"));
    }

    public TextEmbedder(String uid) {
        super(uid, "caption", "text_embedding");
    }

    public static MLReader<TextEmbedder> read() {
        return READER.read();
    }

    public static TextEmbedder load(String path) {
        return READER.load(path);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!(schema.fields()[inputIndex(schema)].dataType() instanceof StringType)) {
            throw new IllegalArgumentException("input column '" + getInputCol() + "' must hold strings, it is "
                    + schema.fields()[inputIndex(schema)].dataType().simpleString());
        }
        requireAbsent(schema, getOutputCol());
        return schema.add(getOutputCol(), DataTypes.createArrayType(DataTypes.FloatType, false), true);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        ExecutorModels.resolve(getModelDir());
        Partition partition = new Partition(getModelDir(), getThreads(), getBatchSize(),
                inputIndex(dataset.schema()));
        return dataset.toDF().mapPartitions(partition, Encoders.row(out));
    }

    /** The executor side: one encoder run per batch of non-null captions. */
    private record Partition(String modelDir, int threads, int batchSize, int input)
            implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            TextEncoder encoder = ExecutorModels.get(modelDir, threads).model().textEncoder();
            return Batches.map(rows, batchSize, batch -> {
                List<String> captions = new ArrayList<>(batch.size());
                for (Row row : batch) {
                    if (!row.isNullAt(input)) {
                        captions.add(row.getString(input));
                    }
                }
                float[][] embeddings = captions.isEmpty() ? new float[0][] : encoder.encode(captions);
                List<Row> out = new ArrayList<>(batch.size());
                int next = 0;
                for (Row row : batch) {
                    out.add(Batches.append(row, (Object) (row.isNullAt(input) ? null : embeddings[next++])));
                }
                return out;
            });
        }
    }
}
