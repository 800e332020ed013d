package ai.superclip.spark;

import ai.onnxruntime.OrtException;
import ai.superclip.inference.ScoredItem;
import ai.superclip.inference.TextEncoder;
import ai.superclip.inference.ZeroShotClassifier;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.StructType;

/**
 * Zero-shot labels for image embeddings (the output of {@link ImageEmbedder}): the best of {@link #labels()} and
 * its score (100 · cosine), and with {@link #topK()} above 1 the k best as {@code array<struct<label, score>>},
 * exactly as {@link ZeroShotClassifier} ranks them. The class prompts ({@link #templates()} with each label
 * filled in) are embedded once, on the driver, when {@link #transform} is called; the executors only score.
 * A null embedding (an unreadable image) gets null labels.
 */
public final class ZeroShotLabeler extends SuperClipStage<ZeroShotLabeler> {
    private static final long serialVersionUID = 1L;
    private static final DefaultParamsReadable<ZeroShotLabeler> READER = new DefaultParamsReadable<>() {
    };

    private final StringArrayParam labels;
    private final StringArrayParam templates;
    private final IntParam topK;
    private final Param<String> scoreCol;
    private final Param<String> topCol;

    public ZeroShotLabeler() {
        this(Identifiable.randomUID("superclipZeroShotLabeler"));
    }

    public ZeroShotLabeler(String uid) {
        super(uid, "embedding", "label");
        labels = new StringArrayParam(this, "labels", "class names");
        templates = new StringArrayParam(this, "templates", "prompts with {} where the class name goes");
        topK = new IntParam(this, "topK", "classes listed per row in topCol (1: none)", ParamValidators.gtEq(1));
        scoreCol = new Param<>(this, "scoreCol", "column of the best class's score (100 · cosine)");
        topCol = new Param<>(this, "topCol", "column of the k best classes, when topK > 1");
        setDefault(templates, new String[] {"a photo of a {}."});
        setDefault(topK, 1);
        setDefault(scoreCol, "score");
        setDefault(topCol, "top_labels");
    }

    public static MLReader<ZeroShotLabeler> read() {
        return READER.read();
    }

    public static ZeroShotLabeler load(String path) {
        return READER.load(path);
    }

    public StringArrayParam labels() {
        return labels;
    }

    public StringArrayParam templates() {
        return templates;
    }

    public IntParam topK() {
        return topK;
    }

    public Param<String> scoreCol() {
        return scoreCol;
    }

    public Param<String> topCol() {
        return topCol;
    }

    public ZeroShotLabeler setLabels(List<String> names) {
        set(labels, names.toArray(String[]::new));
        return this;
    }

    public ZeroShotLabeler setTemplates(List<String> prompts) {
        set(templates, prompts.toArray(String[]::new));
        return this;
    }

    public ZeroShotLabeler setTopK(int k) {
        set(topK, k);
        return this;
    }

    public ZeroShotLabeler setScoreCol(String column) {
        set(scoreCol, column);
        return this;
    }

    public ZeroShotLabeler setTopCol(String column) {
        set(topCol, column);
        return this;
    }

    private int k() {
        return (Integer) getOrDefault(topK);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(labels) || getOrDefault(labels).length == 0) {
            throw new IllegalArgumentException("ZeroShotLabeler " + uid() + ": set the labels");
        }
        if (!(schema.fields()[inputIndex(schema)].dataType() instanceof ArrayType array
                && array.elementType() instanceof FloatType)) {
            throw new IllegalArgumentException("input column '" + getInputCol() + "' must be array<float> (an "
                    + "ImageEmbedder's output), it is " + schema.fields()[inputIndex(schema)].dataType().simpleString());
        }
        requireAbsent(schema, getOutputCol());
        requireAbsent(schema, getOrDefault(scoreCol));
        StructType out = schema.add(getOutputCol(), DataTypes.StringType, true)
                .add(getOrDefault(scoreCol), DataTypes.FloatType, true);
        if (k() > 1) {
            requireAbsent(schema, getOrDefault(topCol));
            StructType item = new StructType().add("label", DataTypes.StringType, false)
                    .add("score", DataTypes.FloatType, false);
            out = out.add(getOrDefault(topCol), DataTypes.createArrayType(item, false), true);
        }
        return out;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        TextEncoder text = ExecutorModels.get(getModelDir(), 0).model().textEncoder();
        Prompts prompts;
        try {
            prompts = Prompts.embed(text, List.of(getOrDefault(labels)), List.of(getOrDefault(templates)));
        } catch (OrtException e) {
            throw new IllegalStateException("cannot embed the zero-shot prompts: " + e.getMessage(), e);
        }
        Partition partition = new Partition(prompts, inputIndex(dataset.schema()), k());
        return dataset.toDF().mapPartitions(partition, Encoders.row(out));
    }

    /**
     * The class names, their prompts and the prompts' embeddings, as the SDK's classifier asked for and got them
     * on the driver: an executor rebuilds the very same classifier from them without a text encoder.
     */
    record Prompts(List<String> classNames, List<List<String>> promptsPerClass, float[][] embeddings)
            implements Serializable {
        static Prompts embed(TextEncoder text, List<String> classNames, List<String> templates) throws OrtException {
            List<String> asked = new ArrayList<>();
            List<float[]> answered = new ArrayList<>();
            ZeroShotClassifier.prototypes(texts -> {
                float[][] embedded = text.encode(texts);
                asked.addAll(texts);
                answered.addAll(List.of(embedded));
                return embedded;
            }, classNames, templates);
            List<List<String>> perClass = new ArrayList<>();
            for (int c = 0, at = 0; c < classNames.size(); c++, at += templates.size()) {
                perClass.add(List.copyOf(asked.subList(at, at + templates.size())));
            }
            return new Prompts(List.copyOf(classNames), perClass, answered.toArray(float[][]::new));
        }

        ZeroShotClassifier classifier() throws OrtException {
            return ZeroShotClassifier.build(texts -> embeddings, classNames, promptsPerClass);
        }
    }

    /** The executor side: score each embedding against the class prototypes. */
    private record Partition(Prompts prompts, int input, int k) implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<Row> call(Iterator<Row> rows) throws OrtException {
            ZeroShotClassifier classifier = prompts.classifier();
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    Row row = rows.next();
                    if (row.isNullAt(input)) {
                        return k > 1 ? Batches.append(row, null, null, null) : Batches.append(row, null, null);
                    }
                    List<ScoredItem> best = classifier.classify(SparkVectors.floats(row.get(input)), k);
                    Object label = best.get(0).label();
                    Object score = best.get(0).score();
                    if (k == 1) {
                        return Batches.append(row, label, score);
                    }
                    Row[] top = best.stream().map(s -> RowFactory.create(s.label(), s.score())).toArray(Row[]::new);
                    return Batches.append(row, label, score, top);
                }
            };
        }
    }
}
