package ai.superclip.spark;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Embeddings in the files vector indexes load: {@code .fvecs} (per vector a little-endian int32 dimension, then
 * that many little-endian float32 values; FAISS's and the ANN benchmarks' format) and the ids, one per line in
 * the same order. Written to a temporary name and renamed, on any Hadoop file system.
 */
final class VectorFiles {
    static final String VECTORS = "vectors.fvecs";
    static final String IDS = "ids.txt";

    private VectorFiles() {
    }

    static void write(ExactNeighbours.Corpus corpus, String folder, Configuration conf) throws IOException {
        Path dir = new Path(folder);
        FileSystem fs = dir.getFileSystem(conf);
        fs.mkdirs(dir);
        writeAtomically(fs, new Path(dir, VECTORS), out -> {
            for (float[] v : corpus.vectors()) {
                ByteBuffer record = ByteBuffer.allocate(Integer.BYTES + v.length * Float.BYTES)
                        .order(ByteOrder.LITTLE_ENDIAN);
                record.putInt(v.length);
                for (float x : v) {
                    record.putFloat(x);
                }
                out.write(record.array());
            }
        });
        writeAtomically(fs, new Path(dir, IDS), out -> {
            for (String id : corpus.ids()) {
                if (id.contains("\n")) {
                    throw new IOException("id with a line break cannot go into " + IDS + ": " + id);
                }
                out.write((id + "\n").getBytes(StandardCharsets.UTF_8));
            }
        });
    }

    private interface Body {
        void write(OutputStream out) throws IOException;
    }

    private static void writeAtomically(FileSystem fs, Path target, Body body) throws IOException {
        Path partial = new Path(target.getParent(), "." + target.getName() + ".partial");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(fs.create(partial, true)))) {
            body.write(out);
        }
        fs.delete(target, false);
        if (!fs.rename(partial, target)) {
            throw new IOException("cannot rename " + partial + " to " + target);
        }
    }
}
