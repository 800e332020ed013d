package ai.superclip.spark;

import ai.superclip.data.Captions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.TaskCompletionListener;

/**
 * WebDataset shards (uncompressed tar files; the members of a sample are consecutive and share a key, the member
 * path up to the first dot of its file name; images end in .jpg, .jpeg or .png, captions in .txt, as the SDK's
 * {@code TarShardDataset} reads them) streamed on the executors, one task per shard, into rows of
 * {@code id} ({@code <shard file name>/<key>}), the image's encoded bytes and the caption (cleaned as the SDK does;
 * null when none).
 * A shard that ends inside a member yields the samples before the damage and one row with a null image whose id
 * says where the shard broke, so that the embedder counts and reports it.
 */
final class WebDatasetShards {
    private static final List<String> IMAGE_EXTENSIONS = List.of("jpg", "jpeg", "png");

    private WebDatasetShards() {
    }

    /** The shards named by {@code location}: a .tar file, a folder of them, or a glob (any Hadoop file system). */
    static Dataset<Row> read(SparkSession spark, String location) {
        List<String> shards = list(location, spark.sparkContext().hadoopConfiguration());
        StructType schema = new StructType().add(JobInput.ID, DataTypes.StringType, false)
                .add(JobInput.IMAGE, DataTypes.BinaryType, true).add(JobInput.CAPTION, DataTypes.StringType, true);
        FlatMapFunction<String, Row> samples = WebDatasetShards::read;
        return spark.createDataset(shards, Encoders.STRING()).repartition(shards.size())
                .flatMap(samples, Encoders.row(schema));
    }

    private static List<String> list(String location, Configuration conf) {
        try {
            Path path = new Path(location);
            FileSystem fs = path.getFileSystem(conf);
            FileStatus[] found = fs.exists(path) && fs.getFileStatus(path).isDirectory()
                    ? fs.listStatus(path, p -> p.getName().endsWith(".tar")) : fs.globStatus(path);
            List<String> shards = new ArrayList<>();
            for (FileStatus status : found == null ? new FileStatus[0] : found) {
                shards.add(status.getPath().toString());
            }
            if (shards.isEmpty()) {
                throw new IllegalArgumentException("no WebDataset shard (.tar) found at " + location);
            }
            shards.sort(null);
            return shards;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the shards at " + location + ": " + e.getMessage(), e);
        }
    }

    /**
     * One shard's samples, in member order, read as the iterator is advanced: only the sample being assembled is
     * held in memory, whatever the shard's size. The shard is closed when the samples run out, on a damaged
     * member, and when the Spark task that reads it ends.
     */
    static Iterator<Row> read(String shard) throws IOException {
        Path path = new Path(shard);
        InputStream in = path.getFileSystem(HadoopFiles.configuration()).open(path);
        ShardSamples samples = new ShardSamples(path.getName(), new TarArchiveInputStream(in));
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) context -> samples.close());
        }
        return samples;
    }

    /** The samples of one open shard: a sample is complete when a member with another key (or the end) comes. */
    private static final class ShardSamples implements Iterator<Row>, AutoCloseable {
        private final String shard;
        private final TarArchiveInputStream tar;
        private TarArchiveEntry pending;
        private Row next;
        private int read;
        private boolean closed;

        ShardSamples(String shard, TarArchiveInputStream tar) {
            this.shard = shard;
            this.tar = tar;
        }

        @Override
        public boolean hasNext() {
            if (next == null && !closed) {
                next = assemble();
            }
            return next != null;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException("no more samples in " + shard);
            }
            Row row = next;
            next = null;
            read++;
            return row;
        }

        /** The next sample with an image or a caption; a row naming the damage when the shard breaks; or null. */
        private Row assemble() {
            String key = null;
            byte[] image = null;
            String caption = null;
            try {
                while (true) {
                    TarArchiveEntry entry = pending != null ? pending : tar.getNextEntry();
                    pending = null;
                    if (entry == null) {
                        close();
                        return sample(key, image, caption);
                    }
                    if (!entry.isFile()) {
                        continue;
                    }
                    String member = entry.getName();
                    int slash = member.lastIndexOf('/');
                    int dot = member.indexOf('.', slash + 1);
                    String memberKey = dot < 0 ? member : member.substring(0, dot);
                    String extension = dot < 0 ? "" : member.substring(dot + 1).toLowerCase(Locale.ROOT);
                    if (!memberKey.equals(key)) {
                        Row done = sample(key, image, caption);
                        if (done != null) {
                            pending = entry; // the first member of the next sample, its data not yet read
                            return done;
                        }
                        key = memberKey;
                        image = null;
                        caption = null;
                    }
                    if (IMAGE_EXTENSIONS.contains(extension)) {
                        image = tar.readAllBytes();
                    } else if (extension.equals("txt")) {
                        String text = new String(tar.readAllBytes(), StandardCharsets.UTF_8);
                        caption = text.isBlank() ? null : Captions.clean(text, shard + "/" + memberKey);
                    }
                }
            } catch (IOException e) {
                close();
                return RowFactory.create(shard + "/" + key + " (shard damaged after " + read + " samples: "
                        + e.getMessage() + ")", null, null);
            }
        }

        private Row sample(String key, byte[] image, String caption) {
            return key != null && (image != null || caption != null)
                    ? RowFactory.create(shard + "/" + key, image, caption) : null;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                try {
                    tar.close();
                } catch (IOException e) {
                    // the shard was only read; nothing to lose
                }
            }
        }
    }
}
