package ai.superclip.data;

import java.awt.image.BufferedImage;
import java.util.Map;

/**
 * One decoded image-text pair.
 *
 * @param id         stable identifier of the record (relative path, {@code manifest.csv:row 12},
 *                   {@code shard-0001.tar/000123}, {@code train-images-idx3-ubyte.gz#42}, ...)
 * @param image      the decoded image, any {@link BufferedImage} type
 * @param caption    the caption, trimmed, non-empty and at most {@link Captions#MAX_CHARS} chars
 * @param label      class index into {@link ImageTextDataset#classNames()}, or {@link #NO_LABEL}
 * @param attributes named attributes for evaluation (synthetic scene attributes, emoji category),
 *                   empty when the source has none
 */
public record Sample(String id, BufferedImage image, String caption, int label, Map<String, String> attributes) {

    /** The label of a sample that has no class. */
    public static final int NO_LABEL = -1;
}
