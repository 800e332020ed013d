package ai.superclip.data;

/** Caption clean-up shared by every source. */
public final class Captions {

    /** Longest caption kept, in chars; longer captions are cut before tokenisation ever sees them. */
    public static final int MAX_CHARS = 10_000;

    private Captions() {
    }

    /**
     * Trims {@code raw} and cuts it to {@link #MAX_CHARS} (never inside a surrogate pair).
     *
     * @throws DataException ({@link DataException.Reason#EMPTY_CAPTION}) naming {@code recordId}
     *                       when nothing is left
     */
    public static String clean(String raw, String recordId) {
        String caption = raw == null ? "" : raw.strip();
        if (caption.isEmpty()) {
            throw new DataException(DataException.Reason.EMPTY_CAPTION, recordId + ": empty caption");
        }
        if (caption.length() > MAX_CHARS) {
            int end = Character.isHighSurrogate(caption.charAt(MAX_CHARS - 1)) ? MAX_CHARS - 1 : MAX_CHARS;
            caption = caption.substring(0, end);
        }
        return caption;
    }
}
