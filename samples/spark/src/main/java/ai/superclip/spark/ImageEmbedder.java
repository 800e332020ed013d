package ai.superclip.spark;

import ai.superclip.data.ImageDecoder;
import ai.superclip.data.ImagePreprocessor;
import ai.superclip.inference.ImageEncoder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Images to L2-normalised embeddings ({@code array<float>}), exactly as {@link ImageEncoder} computes them in one
 * JVM: the SDK's decoder, its centre crop, the exported image encoder.
 *
 * <p>The input column holds, per row, one of: an image path (a local path, a {@code file:} URI or any Hadoop file
 * system URI), the encoded bytes (the {@code content} column of Spark's {@code binaryFile} source) or Spark's image
 * struct (the {@code image} source). An image that cannot be read is counted in {@link #badImages()} and, as
 * {@link #onBadImage()} says, either kept with a null embedding and the reason in {@link #errorCol()}
 * ({@value #ERROR}) or dropped ({@value #SKIP}); the job itself never fails for it.
 */
public final class ImageEmbedder extends EncoderStage<ImageEmbedder> {
    /** Bad images stay as rows with a null embedding and the reason in the error column. */
    public static final String ERROR = "error";
    /** Bad images are dropped (and counted). */
    public static final String SKIP = "skip";

    private static final long serialVersionUID = 1L;
    private static final DefaultParamsReadable<ImageEmbedder> READER = new DefaultParamsReadable<>() {
    };

    private final Param<String> onBadImage;
    private final Param<String> errorCol;
    private final Param<String> idCol;
    private transient LongAccumulator badImages;

    public ImageEmbedder() {
        this(Identifiable.randomUID("superclipImageEmbedder"));
    }

    public ImageEmbedder(String uid) {
        super(uid, "image", "embedding");
        onBadImage = new Param<>(this, "onBadImage", "what becomes of an unreadable image: '" + ERROR
                + "' (null embedding, reason in errorCol) or '" + SKIP + "' (row dropped)",
                ParamValidators.inArray(new String[] {ERROR, SKIP}));
        errorCol = new Param<>(this, "errorCol", "column with the reason an image could not be embedded");
        idCol = new Param<>(this, "idCol", "column naming a row in error messages (used when present)");
        setDefault(onBadImage, ERROR);
        setDefault(errorCol, "error");
        setDefault(idCol, "path");
    }

    public static MLReader<ImageEmbedder> read() {
        return READER.read();
    }

    public static ImageEmbedder load(String path) {
        return READER.load(path);
    }

    public Param<String> onBadImage() {
        return onBadImage;
    }

    public Param<String> errorCol() {
        return errorCol;
    }

    public Param<String> idCol() {
        return idCol;
    }

    public ImageEmbedder setOnBadImage(String policy) {
        set(onBadImage, policy);
        return this;
    }

    public ImageEmbedder setErrorCol(String column) {
        set(errorCol, column);
        return this;
    }

    public ImageEmbedder setIdCol(String column) {
        set(idCol, column);
        return this;
    }

    private boolean skipsBadImages() {
        return getOrDefault(onBadImage).equals(SKIP);
    }

    /**
     * The bad-image counter of the latest {@link #transform} (null before one): its value is final once an action
     * on the result has finished (a retried task may count its images twice).
     */
    public LongAccumulator badImages() {
        return badImages;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        InputKind.of(schema.fields()[inputIndex(schema)].dataType(), getInputCol());
        requireAbsent(schema, getOutputCol());
        StructType out = schema.add(getOutputCol(), DataTypes.createArrayType(DataTypes.FloatType, false), true);
        if (!skipsBadImages()) {
            requireAbsent(schema, getOrDefault(errorCol));
            out = out.add(getOrDefault(errorCol), DataTypes.StringType, true);
        }
        return out;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType schema = dataset.schema();
        StructType out = transformSchema(schema);
        ExecutorModels.resolve(getModelDir()); // a missing model fails here, on the driver, before any task runs
        badImages = dataset.sparkSession().sparkContext().longAccumulator(uid() + ".badImages");
        int input = inputIndex(schema);
        List<String> names = List.of(schema.fieldNames());
        Partition partition = new Partition(getModelDir(), getThreads(), getBatchSize(), input,
                InputKind.of(schema.fields()[input].dataType(), getInputCol()), names.indexOf(getOrDefault(idCol)),
                skipsBadImages(), badImages);
        return dataset.toDF().mapPartitions(partition, Encoders.row(out));
    }

    /** How the input column holds an image. */
    enum InputKind {
        PATH, BYTES, SPARK_IMAGE;

        static InputKind of(DataType type, String column) {
            if (type instanceof StringType) {
                return PATH;
            }
            if (type instanceof BinaryType) {
                return BYTES;
            }
            if (type instanceof StructType struct && List.of(struct.fieldNames()).containsAll(
                    List.of("height", "width", "nChannels", "data"))) {
                return SPARK_IMAGE;
            }
            throw new IllegalArgumentException("input column '" + column + "' is " + type.simpleString()
                    + "; expected an image path (string), encoded bytes (binary) or Spark's image struct");
        }
    }

    /** The executor side: decode and crop each batch, run the shared encoder once per batch. */
    private record Partition(String modelDir, int threads, int batchSize, int input, InputKind kind, int idIndex,
                             boolean skip, LongAccumulator badImages) implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private static final Logger LOG = LoggerFactory.getLogger(ImageEmbedder.class);

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            ImageEncoder encoder = ExecutorModels.get(modelDir, threads).model().imageEncoder();
            ImagePreprocessor preprocessor = new ImagePreprocessor(encoder.imageSize());
            int perImage = preprocessor.floatsPerImage();
            FloatBuffer pixels = ByteBuffer.allocateDirect(batchSize * perImage * Float.BYTES)
                    .order(ByteOrder.nativeOrder()).asFloatBuffer();
            return Batches.map(rows, batchSize, batch -> {
                String[] errors = new String[batch.size()];
                int good = 0;
                for (int i = 0; i < batch.size(); i++) {
                    try {
                        preprocessor.centerCrop(decode(batch.get(i)), pixels, good * perImage);
                        good++;
                    } catch (RuntimeException e) {
                        errors[i] = e.getMessage() == null ? e.toString() : e.getMessage();
                        badImages.add(1);
                        LOG.warn("unreadable image: {}", errors[i]);
                    }
                }
                float[][] embeddings = good == 0 ? new float[0][] : encoder.encode(pixels.position(0), good);
                List<Row> out = new ArrayList<>(batch.size());
                for (int i = 0, next = 0; i < batch.size(); i++) {
                    float[] embedding = errors[i] == null ? embeddings[next++] : null;
                    if (skip && embedding == null) {
                        continue;
                    }
                    out.add(skip ? Batches.append(batch.get(i), (Object) embedding)
                            : Batches.append(batch.get(i), embedding, errors[i]));
                }
                return out;
            });
        }

        private BufferedImage decode(Row row) {
            String id = idIndex >= 0 && !row.isNullAt(idIndex) ? String.valueOf(row.get(idIndex)) : null;
            if (row.isNullAt(input)) {
                throw new IllegalArgumentException((id == null ? "a row" : id) + ": no image (null)");
            }
            return switch (kind) {
                case PATH -> decodePath(row.getString(input));
                case BYTES -> ImageDecoder.decode((byte[]) row.get(input), id == null ? "image bytes" : id);
                case SPARK_IMAGE -> fromSparkImage(row.getStruct(input), id);
            };
        }

        /** A local path or {@code file:} URI through the SDK's file decoder; other schemes through Hadoop. */
        private static BufferedImage decodePath(String path) {
            if (!HadoopFiles.hasScheme(path)) {
                return ImageDecoder.decode(Path.of(path));
            }
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(path);
            if ("file".equalsIgnoreCase(file.toUri().getScheme())) {
                return ImageDecoder.decode(Path.of(file.toUri().getPath()));
            }
            try {
                FileSystem fs = file.getFileSystem(HadoopFiles.configuration()); // cached by Hadoop: not closed here
                try (InputStream in = fs.open(file)) {
                    return ImageDecoder.decode(in.readAllBytes(), path);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(path + ": cannot read image: " + e.getMessage(), e);
            }
        }

        /** Spark's image struct (rows of BGR, BGRA or grey bytes) as an RGB image, alpha over white as the SDK does. */
        private static BufferedImage fromSparkImage(Row image, String id) {
            String name = id != null ? id : image.schema().getFieldIndex("origin").isDefined()
                    ? image.getAs("origin") : "an image struct";
            int height = image.getAs("height");
            int width = image.getAs("width");
            int channels = image.getAs("nChannels");
            byte[] data = image.getAs("data");
            if (height <= 0 || width <= 0 || (channels != 1 && channels != 3 && channels != 4)
                    || data.length != (long) height * width * channels) {
                throw new IllegalArgumentException(name + ": not a decoded image (" + width + "x" + height + ", "
                        + channels + " channels, " + data.length + " bytes)");
            }
            BufferedImage out = new BufferedImage(width, height,
                    channels == 4 ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
            for (int y = 0, k = 0; y < height; y++) {
                for (int x = 0; x < width; x++, k += channels) {
                    int b = data[k] & 0xFF;
                    int g = channels == 1 ? b : data[k + 1] & 0xFF;
                    int r = channels == 1 ? b : data[k + 2] & 0xFF;
                    int a = channels == 4 ? data[k + 3] & 0xFF : 0xFF;
                    out.setRGB(x, y, (a << 24) | (r << 16) | (g << 8) | b);
                }
            }
            return ImageDecoder.toRgb(out);
        }
    }
}
