package ai.superclip.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

/**
 * A CSV or TSV manifest with a header row, one image path column and one caption column, as in
 * open_clip's {@code --train-data x.csv --csv-img-key filepath --csv-caption-key title
 * --csv-separator "\t"}. Image paths are relative to the manifest's folder (absolute ones are
 * kept). A UTF-8 byte order mark, CRLF line ends and quoted fields (with separators, quotes and
 * newlines inside) are handled by commons-csv.
 *
 * <p>Record id: {@code <manifest file name>:row <n>} (n counts data rows from 1); split key: the
 * image path, so several captions of one image always land in the same split. Rows with the wrong
 * number of columns, an empty caption or a missing image file are reported to {@link BadSamples}
 * while the manifest is read; a quoting error ends the reading at the row where it occurs.
 */
public final class CsvDataset implements ImageTextDataset {
    /** open_clip's default image column ({@code --csv-img-key}). */
    public static final String DEFAULT_IMAGE_KEY = "filepath";
    /** open_clip's default caption column ({@code --csv-caption-key}). */
    public static final String DEFAULT_CAPTION_KEY = "title";

    private final List<Path> images;
    private final List<String> captions;
    /** The second caption column's, for DualCaption training; null without one. */
    private final List<String> classificationCaptions;
    private final List<String> ids;
    private final BadSamples badSamples;

    private CsvDataset(List<Path> images, List<String> captions, List<String> classificationCaptions, List<String> ids,
            BadSamples badSamples) {
        this.images = images;
        this.captions = captions;
        this.classificationCaptions = classificationCaptions;
        this.ids = ids;
        this.badSamples = badSamples;
    }

    /** Opens a comma-separated manifest, skipping bad rows. */
    public static CsvDataset open(Path manifest, String imageKey, String captionKey) {
        return open(manifest, imageKey, captionKey, ',', BadSamples.skip());
    }

    /**
     * Opens a manifest.
     *
     * @param separator  field separator: {@code ','} for CSV, {@code '\t'} for TSV
     * @param badSamples policy and counter for rows that cannot be used
     * @throws DataException when the manifest is missing or unreadable, has no header, lacks one
     *                       of the two columns (the message lists the columns it has) or has no
     *                       usable row
     */
    public static CsvDataset open(Path manifest, String imageKey, String captionKey, char separator,
                                  BadSamples badSamples) {
        return open(manifest, imageKey, captionKey, null, separator, badSamples);
    }

    /**
     * Opens a manifest with, if {@code clsCaptionKey} is not null, a second caption column: each record's
     * {@linkplain #classificationCaption classification caption} for DualCaption training (e.g. a long
     * re-caption); a row whose second caption is empty is a bad row.
     *
     * @see #open(Path, String, String, char, BadSamples)
     */
    public static CsvDataset open(Path manifest, String imageKey, String captionKey, String clsCaptionKey,
                                  char separator, BadSamples badSamples) {
        String name = manifest.getFileName() == null ? manifest.toString() : manifest.getFileName().toString();
        Path folder = manifest.toAbsolutePath().getParent();
        CSVFormat format = CSVFormat.DEFAULT.builder()
                .setDelimiter(separator)
                .setHeader()
                .setSkipHeaderRecord(true)
                .setTrim(true)
                .setIgnoreEmptyLines(true)
                .setAllowMissingColumnNames(true)
                .setDuplicateHeaderMode(DuplicateHeaderMode.ALLOW_ALL)
                .get();
        List<Path> images = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        List<String> classificationCaptions = clsCaptionKey == null ? null : new ArrayList<>();
        List<String> ids = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(manifest, StandardCharsets.UTF_8);
             CSVParser parser = CSVParser.parse(skipByteOrderMark(reader), format)) {
            Map<String, Integer> header = parser.getHeaderMap();
            requireColumn(name, header, imageKey);
            requireColumn(name, header, captionKey);
            if (clsCaptionKey != null) {
                requireColumn(name, header, clsCaptionKey);
            }
            Iterator<CSVRecord> rows = parser.iterator();
            int row = 0;
            while (true) {
                CSVRecord record;
                try {
                    if (!rows.hasNext()) {
                        break;
                    }
                    record = rows.next();
                } catch (UncheckedIOException | IllegalStateException e) {
                    badSamples.report(new DataException(DataException.Reason.MALFORMED_ROW, name + ": row " + (row + 1)
                            + " (near line " + parser.getCurrentLineNumber() + ") cannot be parsed, rows after it are"
                            + " ignored: " + e.getMessage(), e));
                    break;
                }
                row++;
                String id = name + ":row " + row;
                try {
                    if (!record.isConsistent()) {
                        throw new DataException(DataException.Reason.MALFORMED_ROW, id + " (line " + record.getParser()
                                .getCurrentLineNumber() + ") has " + record.size() + " fields, the header has "
                                + header.size());
                    }
                    String caption = Captions.clean(record.get(captionKey), id + " column '" + captionKey + "'");
                    String clsCaption = clsCaptionKey == null ? null
                            : Captions.clean(record.get(clsCaptionKey), id + " column '" + clsCaptionKey + "'");
                    Path image = folder.resolve(record.get(imageKey));
                    if (!Files.isRegularFile(image)) {
                        throw new DataException(DataException.Reason.MISSING_FILE,
                                id + ": image file not found: " + image);
                    }
                    images.add(image);
                    captions.add(caption);
                    if (classificationCaptions != null) {
                        classificationCaptions.add(clsCaption);
                    }
                    ids.add(id);
                } catch (DataException e) {
                    badSamples.report(e);
                } catch (InvalidPathException e) {
                    badSamples.report(new DataException(DataException.Reason.MALFORMED_ROW,
                            id + ": invalid image path in column '" + imageKey + "': " + e.getMessage(), e));
                }
            }
        } catch (NoSuchFileException e) {
            throw new DataException(DataException.Reason.MISSING_FILE, "manifest not found: " + manifest, e);
        } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
            throw new DataException(DataException.Reason.MALFORMED_FILE,
                    "cannot read manifest " + manifest + ": " + e.getMessage(), e);
        }
        if (images.isEmpty()) {
            throw new DataException(DataException.Reason.NO_SAMPLES, "manifest " + manifest + " has no usable row ("
                    + badSamples.summary() + ")");
        }
        return new CsvDataset(images, captions, classificationCaptions, ids, badSamples);
    }

    private static BufferedReader skipByteOrderMark(BufferedReader reader) throws IOException {
        reader.mark(1);
        if (reader.read() != '\uFEFF') {
            reader.reset();
        }
        return reader;
    }

    private static void requireColumn(String manifest, Map<String, Integer> header, String column) {
        if (header == null || !header.containsKey(column)) {
            throw new DataException(DataException.Reason.MISSING_COLUMN, manifest + ": no column '" + column
                    + "'; its columns are " + (header == null ? "none (empty file)" : header.keySet()));
        }
    }

    @Override
    public int size() {
        return ids.size();
    }

    @Override
    public String id(int index) {
        return ids.get(index);
    }

    @Override
    public String splitKey(int index) {
        return images.get(index).toString();
    }

    @Override
    public Sample read(int index) {
        return new Sample(ids.get(index), ImageDecoder.decode(images.get(index)), captions.get(index),
                Sample.NO_LABEL, Map.of());
    }

    @Override
    public String caption(int index) {
        return captions.get(index);
    }

    /** The second caption column's caption when the manifest was opened with one, else the caption. */
    @Override
    public String classificationCaption(int index) {
        return classificationCaptions != null ? classificationCaptions.get(index) : captions.get(index);
    }

    @Override
    public BadSamples badSamples() {
        return badSamples;
    }
}
