package ai.superclip.data;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * WebDataset shards: uncompressed tar files in which the members of one sample share a key, the
 * member path up to the first dot of its file name ({@code 000123.jpg} + {@code 000123.txt}).
 * Images are the members ending in .jpg, .jpeg or .png; captions those ending in .txt; other
 * members are ignored.
 *
 * <p>Opening scans every shard once, keeping captions and where each image's bytes lie, so that
 * {@link #read(int)} decodes any sample by a positional read. A member without a caption, a
 * caption without an image and a truncated or corrupt shard (the samples completed before the
 * damage are kept) are reported to {@link BadSamples}.
 *
 * <p>Record id: {@code <shard file name>/<key>}.
 */
public final class TarShardDataset implements ImageTextDataset {

    /** Largest image member read, in bytes; larger members are reported as unreadable. */
    public static final int MAX_MEMBER_BYTES = 256 << 20;

    private static final int MAX_CAPTION_BYTES = 4 * Captions.MAX_CHARS;

    private final List<Path> shards;
    private final List<Location> locations;
    private final BadSamples badSamples;

    /** Where one sample lies: shard, image bytes, caption, classification caption (null without one). */
    private record Location(String id, int shard, long offset, int length, String caption, String clsCaption) {
    }

    /** Members of one key seen so far while scanning a shard. */
    private static final class Members {
        long imageOffset = -1;
        long imageLength;
        String caption;
        String clsCaption;
    }

    private TarShardDataset(List<Path> shards, List<Location> locations, BadSamples badSamples) {
        this.shards = shards;
        this.locations = locations;
        this.badSamples = badSamples;
    }

    /** Opens shards, skipping bad samples. */
    public static TarShardDataset open(Path... shards) {
        return open(List.of(shards), BadSamples.skip());
    }

    /**
     * Scans the shards in the given order.
     *
     * @throws DataException when a shard does not exist or no shard holds a usable sample
     */
    public static TarShardDataset open(List<Path> shards, BadSamples badSamples) {
        return open(shards, null, badSamples);
    }

    /**
     * Scans the shards in the given order; with {@code clsCaptionKey} (e.g. {@code "long.txt"}), each sample's
     * member {@code <key>.<clsCaptionKey>} is its {@linkplain #classificationCaption classification caption} for
     * DualCaption training, and a sample without one is bad.
     *
     * @throws DataException when a shard does not exist or no shard holds a usable sample
     */
    public static TarShardDataset open(List<Path> shards, String clsCaptionKey, BadSamples badSamples) {
        List<Location> locations = new ArrayList<>();
        for (int s = 0; s < shards.size(); s++) {
            scan(shards.get(s), s, clsCaptionKey, locations, badSamples);
        }
        if (locations.isEmpty()) {
            throw new DataException(DataException.Reason.NO_SAMPLES,
                    "no usable sample in shards " + shards + " (" + badSamples.summary() + ")");
        }
        return new TarShardDataset(List.copyOf(shards), locations, badSamples);
    }

    private static void scan(Path shard, int shardIndex, String clsCaptionKey, List<Location> out,
            BadSamples badSamples) {
        String shardName = String.valueOf(shard.getFileName());
        Map<String, Members> byKey = new LinkedHashMap<>();
        String lastMember = "(start of file)";
        try (CountingInputStream counter = new CountingInputStream(Files.newInputStream(shard));
             TarArchiveInputStream tar = new TarArchiveInputStream(counter)) {
            long fileSize = Files.size(shard);
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = entry.getName();
                lastMember = name;
                if (!entry.isFile()) {
                    continue;
                }
                int slash = name.lastIndexOf('/');
                int dot = name.indexOf('.', slash + 1);
                if (dot < 0) {
                    continue;
                }
                String key = name.substring(0, dot);
                String extension = name.substring(dot + 1).toLowerCase(Locale.ROOT);
                if (extension.equals("txt")) {
                    byKey.computeIfAbsent(key, k -> new Members()).caption = readCaption(tar, entry.getSize());
                } else if (extension.equals(clsCaptionKey)) {
                    byKey.computeIfAbsent(key, k -> new Members()).clsCaption = readCaption(tar, entry.getSize());
                } else if (extension.equals("jpg") || extension.equals("jpeg") || extension.equals("png")) {
                    if (counter.count + entry.getSize() > fileSize) {
                        throw new IOException("member " + name + " runs past the end of the file (truncated shard)");
                    }
                    Members members = byKey.computeIfAbsent(key, k -> new Members());
                    members.imageOffset = counter.count;
                    members.imageLength = entry.getSize();
                }
            }
        } catch (NoSuchFileException e) {
            throw new DataException(DataException.Reason.MISSING_FILE, "shard not found: " + shard, e);
        } catch (IOException | RuntimeException e) {
            // commons-compress reports damaged headers with IOException and assorted runtime exceptions.
            badSamples.report(new DataException(DataException.Reason.MALFORMED_FILE, shardName
                    + ": truncated or corrupt after member '" + lastMember + "'; the rest of the shard is ignored: " + e, e));
        }
        byKey.forEach((key, members) -> {
            String id = shardName + "/" + key;
            try {
                if (members.imageOffset < 0) {
                    throw new DataException(DataException.Reason.MISSING_IMAGE, id + ": caption without an image member");
                }
                if (members.caption == null) {
                    throw new DataException(DataException.Reason.MISSING_CAPTION, id + ": image without a .txt member");
                }
                if (clsCaptionKey != null && members.clsCaption == null) {
                    throw new DataException(DataException.Reason.MISSING_CAPTION, id + ": no ." + clsCaptionKey + " member");
                }
                if (members.imageLength > MAX_MEMBER_BYTES) {
                    throw new DataException(DataException.Reason.UNREADABLE_IMAGE,
                            id + ": image member of " + members.imageLength + " bytes exceeds " + MAX_MEMBER_BYTES);
                }
                out.add(new Location(id, shardIndex, members.imageOffset, (int) members.imageLength,
                        Captions.clean(members.caption, id), members.clsCaption == null ? null
                                : Captions.clean(members.clsCaption, id + " ." + clsCaptionKey)));
            } catch (DataException e) {
                badSamples.report(e);
            }
        });
    }

    /** Reads a caption member, at most {@link #MAX_CAPTION_BYTES} of it (it gets cut anyway). */
    private static String readCaption(InputStream member, long size) throws IOException {
        byte[] bytes = member.readNBytes((int) Math.min(size, MAX_CAPTION_BYTES));
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public int size() {
        return locations.size();
    }

    @Override
    public String id(int index) {
        return locations.get(index).id();
    }

    @Override
    public Sample read(int index) {
        Location at = locations.get(index);
        Path shard = shards.get(at.shard());
        byte[] bytes = new byte[at.length()];
        try (FileChannel channel = FileChannel.open(shard)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, at.offset() + buffer.position()) < 0) {
                    throw new DataException(DataException.Reason.MALFORMED_FILE,
                            at.id() + ": shard " + shard + " ends inside the image member");
                }
            }
        } catch (IOException e) {
            throw new DataException(DataException.Reason.IO_ERROR, at.id() + ": cannot read shard " + shard + ": " + e, e);
        }
        return new Sample(at.id(), ImageDecoder.decode(bytes, at.id()), at.caption(), Sample.NO_LABEL, Map.of());
    }

    @Override
    public String caption(int index) {
        return locations.get(index).caption();
    }

    /** The {@code .<clsCaptionKey>} member's caption when the shards were opened with one, else the caption. */
    @Override
    public String classificationCaption(int index) {
        Location at = locations.get(index);
        return at.clsCaption() != null ? at.clsCaption() : at.caption();
    }

    @Override
    public BadSamples badSamples() {
        return badSamples;
    }

    /** Counts the bytes the tar reader has consumed, which is where the current member's data starts. */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }
}
