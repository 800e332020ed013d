package ai.superclip.data;

/**
 * The one unchecked exception of the data pipeline. Its message always names the file, record or
 * field at fault; {@link #reason()} says what kind of problem it is, so that {@link BadSamples}
 * can count problems per kind.
 */
public class DataException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong, used to count skipped samples per kind. */
    public enum Reason {
        /** A file (manifest, image, shard) does not exist. */
        MISSING_FILE,
        /** An image cannot be decoded: empty, truncated, corrupt, or of an unsupported kind. */
        UNREADABLE_IMAGE,
        /** A caption is empty or blank. */
        EMPTY_CAPTION,
        /** An image has no caption (no sidecar .txt, no caption member in a shard). */
        MISSING_CAPTION,
        /** A caption has no image (a caption member without an image member in a shard). */
        MISSING_IMAGE,
        /** A CSV row that cannot be parsed or has the wrong number of columns. */
        MALFORMED_ROW,
        /** A damaged container: truncated or corrupt tar shard, IDX file or JSON index. */
        MALFORMED_FILE,
        /** A requested column is absent from a CSV header. */
        MISSING_COLUMN,
        /** A source holds no usable sample. */
        NO_SAMPLES,
        /** Reading failed for another reason (I/O error, a failing batch hook). */
        IO_ERROR
    }

    private final Reason reason;

    public DataException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public DataException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** The kind of problem. */
    public Reason reason() {
        return reason;
    }
}
