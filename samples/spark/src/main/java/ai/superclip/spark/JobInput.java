package ai.superclip.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import ai.superclip.data.CsvDataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The image corpus a job reads, as rows of {@code id} (string), {@value #IMAGE} (a path or the encoded bytes) and,
 * when the source has captions, {@value #CAPTION}.
 */
final class JobInput {
    static final String ID = "id";
    static final String IMAGE = "image";
    static final String CAPTION = "caption";

    /** The image files a folder source lists (any case). */
    static final String IMAGE_GLOB = "*.{jpg,jpeg,png,gif,bmp,JPG,JPEG,PNG,GIF,BMP}";

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--csv", description = "CSV manifest with a header; relative image paths are relative to "
                + "its folder (any Hadoop file system URI)")
        String manifest;

        @Option(names = "--images", description = "folder of images, read recursively with Spark's binaryFile "
                + "source (id: the file's URI)")
        String folder;

        @Option(names = "--shards", description = "WebDataset shards: a .tar file, a folder of them or a glob; "
                + "one task per shard (id: <shard>/<key>)")
        String shards;
    }

    @Option(names = "--csv-img-key", description = "CSV column with the image path (default: ${DEFAULT-VALUE})")
    String imageKey = CsvDataset.DEFAULT_IMAGE_KEY;

    @Option(names = "--csv-caption-key", description = "CSV column with the caption, kept when present "
            + "(default: ${DEFAULT-VALUE})")
    String captionKey = CsvDataset.DEFAULT_CAPTION_KEY;

    @Option(names = "--csv-separator", description = "CSV field separator; \\t for TSV (default: ${DEFAULT-VALUE})")
    String separator = ",";

    @Option(names = "--partitions", description = "repartition the input into this many tasks (default: as read)")
    int partitions;

    Dataset<Row> read(SparkSession spark) {
        Dataset<Row> rows = source.manifest != null ? manifest(spark)
                : source.folder != null ? folder(spark) : WebDatasetShards.read(spark, source.shards);
        return partitions > 0 ? rows.repartition(partitions) : rows;
    }

    private Dataset<Row> manifest(SparkSession spark) {
        Dataset<Row> csv = spark.read().option("header", "true").option("sep", separator.replace("\\t", "\t"))
                .csv(source.manifest);
        List<String> columns = List.of(csv.columns());
        if (!columns.contains(imageKey)) {
            throw new IllegalArgumentException(source.manifest + " has no column '" + imageKey + "' (--csv-img-key); "
                    + "its columns are " + String.join(", ", columns));
        }
        String folder = parentOf(source.manifest);
        Column image = col(imageKey);
        List<Column> out = new ArrayList<>(List.of(image.as(ID),
                when(image.rlike("^(/|[A-Za-z][A-Za-z0-9+.-]+:)"), image).otherwise(concat(lit(folder), image))
                        .as(IMAGE)));
        if (columns.contains(captionKey)) {
            out.add(col(captionKey).as(CAPTION));
        }
        return csv.select(out.toArray(Column[]::new));
    }

    private Dataset<Row> folder(SparkSession spark) {
        return spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .option("pathGlobFilter", IMAGE_GLOB).load(source.folder)
                .select(col("path").as(ID), col("content").as(IMAGE));
    }

    /** The manifest's folder with a trailing slash, absolute when the manifest is a local path. */
    private static String parentOf(String manifest) {
        if (!HadoopFiles.hasScheme(manifest)) {
            return Path.of(manifest).toAbsolutePath().getParent().toString() + "/";
        }
        return manifest.substring(0, manifest.lastIndexOf('/') + 1);
    }
}
