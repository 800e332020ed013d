package ai.superclip.data;

/** What a source or the batch loader does with a sample it cannot use. */
public enum OnBadSample {
    /** Leave the sample out, count it and log a warning naming it (the default). */
    SKIP,
    /** Throw the {@link DataException} that names the sample. */
    FAIL
}
