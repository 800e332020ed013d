package ai.superclip.data;

/** The three parts a dataset is divided into. */
public enum Split {
    TRAIN, VALIDATION, TEST
}
