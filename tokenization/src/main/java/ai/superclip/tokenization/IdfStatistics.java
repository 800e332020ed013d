package ai.superclip.tokenization;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Inverse document frequencies of vocabulary ids over captions, and the IDF-weighted,
 * L1-normalised target rows of the classification loss.
 *
 * <ul>
 *   <li>{@link Mode#ONLINE}: the reference implementation's running statistics. Each
 *       {@link #update} adds {@code count_c / B} to {@code frequencies[c]} ({@code cap_fq}) and 1 to
 *       {@link #samples()} ({@code num_samples}); the weight is
 *       {@code log((samples + 1/B) / (frequencies[c] + 1/B))} for a batch of B captions.
 *   <li>{@link Mode#OFFLINE}: document frequencies from one pass over a corpus of N captions;
 *       the weight is {@code log((N + 1) / (df_c + 1))}. Updates leave it unchanged.
 *   <li>{@link Mode#DISABLED}: every weight is 1 (plain L1-normalised multi-hot, for ablations).
 * </ul>
 *
 * <p>One optimizer step updates the statistics once with all its captions, then weighs them: with k
 * micro-batches of m captions, {@link #update} takes the k·m captions (B = k·m) and {@link #normalisedTargets}
 * writes each micro-batch's rows with B = k·m, so k micro-batches of m get exactly the targets of one batch of
 * k·m (the reference's global batch). Statistics save and load bit-exactly. Methods are synchronised, so threads
 * may share one instance.
 */
public final class IdfStatistics {

    /** Where the weights come from. */
    public enum Mode { ONLINE, OFFLINE, DISABLED }

    /** "SCID": SuperCLIP IDF. */
    private static final int MAGIC = 0x53434944;
    private static final int VERSION = 1;
    private static final int OFFLINE_BATCH = 1024;

    private final Mode mode;
    private final double[] frequencies;
    private double samples;

    private IdfStatistics(Mode mode, double[] frequencies, double samples) {
        this.mode = mode;
        this.frequencies = frequencies;
        this.samples = samples;
    }

    /** Empty running statistics over {@code vocabularySize} ids. */
    public static IdfStatistics online(int vocabularySize) {
        return new IdfStatistics(Mode.ONLINE, new double[checkSize(vocabularySize)], 0);
    }

    /**
     * Running statistics that continue from {@code frequencies} ({@code cap_fq}) and {@code samples}
     * ({@code num_samples}), e.g. a pretrained SuperCLIP checkpoint's.
     */
    public static IdfStatistics online(double[] frequencies, double samples) {
        checkSize(frequencies.length);
        if (!(samples >= 0) || java.util.Arrays.stream(frequencies).anyMatch(f -> !(f >= 0))) {
            throw new IllegalArgumentException("IDF statistics must be finite and non-negative");
        }
        return new IdfStatistics(Mode.ONLINE, frequencies.clone(), samples);
    }

    /** Uniform weights: targets become plain L1-normalised multi-hot rows. */
    public static IdfStatistics disabled(int vocabularySize) {
        return new IdfStatistics(Mode.DISABLED, new double[checkSize(vocabularySize)], 0);
    }

    /** Document frequencies of the ids in {@code captions}, encoded and targeted as given. */
    public static IdfStatistics offline(Iterable<String> captions, ClipTokenizer tokenizer, TokenTargets targets) {
        double[] documentFrequencies = new double[targets.vocabularySize()];
        long count = 0;
        List<String> batch = new ArrayList<>(OFFLINE_BATCH);
        for (String caption : captions) {
            if (caption == null) {
                throw new TokenizationException("caption " + count + " of the corpus is null");
            }
            batch.add(caption);
            count++;
            if (batch.size() == OFFLINE_BATCH) {
                addDocumentFrequencies(batch, tokenizer, targets, documentFrequencies);
            }
        }
        addDocumentFrequencies(batch, tokenizer, targets, documentFrequencies);
        return new IdfStatistics(Mode.OFFLINE, documentFrequencies, count);
    }

    private static void addDocumentFrequencies(List<String> batch, ClipTokenizer tokenizer,
            TokenTargets targets, double[] documentFrequencies) {
        for (int[] ids : targets.sparse(tokenizer.encodeBatch(batch))) {
            for (int id : ids) {
                documentFrequencies[id]++;
            }
        }
        batch.clear();
    }

    private static int checkSize(int vocabularySize) {
        if (vocabularySize < 1) {
            throw new IllegalArgumentException("vocabulary size must be positive, got " + vocabularySize);
        }
        return vocabularySize;
    }

    public Mode mode() {
        return mode;
    }

    public int vocabularySize() {
        return frequencies.length;
    }

    /** {@code num_samples} (batches seen) online; the number of captions N offline. */
    public synchronized double samples() {
        return samples;
    }

    /** A copy of {@code cap_fq} online, of the document frequencies offline. */
    public synchronized double[] frequencies() {
        return frequencies.clone();
    }

    /** Adds a batch (sorted distinct ids per caption) to online statistics; other modes ignore it. */
    public synchronized void update(int[][] batch) {
        if (mode != Mode.ONLINE || batch.length == 0) {
            return;
        }
        int[] counts = new int[frequencies.length];
        for (int r = 0; r < batch.length; r++) {
            for (int id : batch[r]) {
                TokenTargets.checkId(id, r, counts.length);
                counts[id]++;
            }
        }
        for (int id = 0; id < counts.length; id++) {
            if (counts[id] != 0) {
                frequencies[id] += counts[id] / (double) batch.length;
            }
        }
        samples += 1;
    }

    /** The weight of every id for a batch of {@code batchSize} captions. */
    public synchronized double[] weights(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        double[] weights = new double[frequencies.length];
        for (int id = 0; id < weights.length; id++) {
            weights[id] = weight(id, batchSize);
        }
        return weights;
    }

    private double weight(int id, int batchSize) {
        return switch (mode) {
            case ONLINE -> Math.log((samples + 1.0 / batchSize) / (frequencies[id] + 1.0 / batchSize));
            case OFFLINE -> Math.log((samples + 1) / (frequencies[id] + 1));
            case DISABLED -> 1;
        };
    }

    /**
     * Writes the target rows sparsely, {@code width} entries per caption, at the buffers' positions and advances
     * them: a caption's ids into {@code ids} and {@code w_c / sum(w over the caption's ids)} for each id c into
     * {@code weights}, padded with id 0 and weight 0; the weights are those of a batch of {@code batchSize}
     * captions (the step's, which {@code rows} are part of). A caption whose weights sum to 0 (no ids, or only ids
     * seen in every caption) gets all-zero weights. The dense row would hold each weight at its id, 0 elsewhere.
     */
    public synchronized void normalisedTargets(int[][] rows, int batchSize, int width, LongBuffer ids,
            FloatBuffer weights) {
        if (batchSize < rows.length) {
            throw new IllegalArgumentException(rows.length + " rows are more than the batch of " + batchSize);
        }
        long needed = (long) rows.length * width;
        if (ids.remaining() < needed || weights.remaining() < needed) {
            throw new IllegalArgumentException("target buffers have " + ids.remaining() + " ids and "
                    + weights.remaining() + " weights left, the batch needs " + needed + " of each");
        }
        double[] rowWeights = new double[width];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length > width) {
                throw new IllegalArgumentException("caption at batch index " + r + " has " + rows[r].length
                        + " distinct ids, more than the " + width + " target entries");
            }
            double sum = 0;
            for (int k = 0; k < rows[r].length; k++) {
                TokenTargets.checkId(rows[r][k], r, frequencies.length);
                rowWeights[k] = weight(rows[r][k], batchSize);
                sum += rowWeights[k];
            }
            for (int k = 0; k < rows[r].length; k++) {
                ids.put(rows[r][k]);
                weights.put(sum > 0 ? (float) (rowWeights[k] / sum) : 0f);
            }
            for (int k = rows[r].length; k < width; k++) {
                ids.put(0);
                weights.put(0f);
            }
        }
    }

    /** Writes the statistics to {@code file} (big-endian; doubles bit-exact). */
    public synchronized void save(Path file) {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(mode.name());
            out.writeInt(frequencies.length);
            out.writeDouble(samples);
            for (double frequency : frequencies) {
                out.writeDouble(frequency);
            }
        } catch (IOException e) {
            throw new TokenizationException("cannot write IDF statistics file " + file + ": " + e, e);
        }
    }

    /** Reads statistics written by {@link #save}; a missing, truncated or corrupt file is an error naming it. */
    public static IdfStatistics load(Path file) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC) {
                throw corrupt(file, "not an IDF statistics file (bad magic number)");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw corrupt(file, "unsupported version " + version + ", expected " + VERSION);
            }
            String modeName = in.readUTF();
            Mode mode;
            try {
                mode = Mode.valueOf(modeName);
            } catch (IllegalArgumentException e) {
                throw corrupt(file, "unknown mode '" + modeName + "'");
            }
            int vocabularySize = in.readInt();
            long headerBytes = 4 + 4 + 2 + modeName.getBytes(StandardCharsets.UTF_8).length + 4;
            long expectedBytes = headerBytes + 8 + 8L * vocabularySize;
            long actualBytes = Files.size(file);
            if (vocabularySize < 1 || actualBytes != expectedBytes) {
                throw corrupt(file, "truncated or corrupt: " + actualBytes + " bytes, expected "
                        + expectedBytes + " for a vocabulary of " + vocabularySize);
            }
            double samples = in.readDouble();
            double[] frequencies = new double[vocabularySize];
            for (int id = 0; id < vocabularySize; id++) {
                frequencies[id] = in.readDouble();
            }
            return new IdfStatistics(mode, frequencies, samples);
        } catch (NoSuchFileException e) {
            throw new TokenizationException("IDF statistics file not found: " + file, e);
        } catch (EOFException e) {
            throw corrupt(file, "truncated");
        } catch (IOException e) {
            throw new TokenizationException("cannot read IDF statistics file " + file + ": " + e, e);
        }
    }

    private static TokenizationException corrupt(Path file, String problem) {
        return new TokenizationException("IDF statistics file " + file + ": " + problem);
    }
}
