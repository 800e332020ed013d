package ai.superclip.data;

import java.util.List;

/**
 * A fixed, indexed collection of image-text records. Indexing (listing files, parsing a manifest,
 * scanning shards) happens when the source is opened; {@link #read(int)} decodes one record and is
 * safe to call from several threads at once.
 *
 * <p>Sources: {@link CsvDataset}, {@link FolderDataset}, {@link TarShardDataset},
 * {@link IdxDataset}, {@link EmojiDataset}, {@link SyntheticScenes}; {@link Splits} selects a
 * subset. Feed any of them to a {@link BatchLoader}.
 */
public interface ImageTextDataset extends AutoCloseable {

    /** Number of records. */
    int size();

    /** Stable identifier of record {@code index}; cheap, never decodes. */
    String id(int index);

    /**
     * The key {@link Splits} hashes to put the record in a split. Records that must stay in the
     * same split (several captions of one image) share a key. Defaults to {@link #id(int)}.
     */
    default String splitKey(int index) {
        return id(index);
    }

    /**
     * Reads and decodes record {@code index}.
     *
     * @throws DataException naming the record when it cannot be read
     */
    Sample read(int index);

    /**
     * The caption of record {@code index} without decoding its image (for statistics over captions, such as offline
     * IDF). The default reads the whole record; the SDK's sources answer from the captions they keep.
     *
     * @throws DataException naming the record when it cannot be read
     */
    default String caption(int index) {
        return read(index).caption();
    }

    /**
     * The caption the classification term reads for record {@code index} in DualCaption training (SuperCLIP's
     * recipe for re-captioned data: the contrastive term on the short caption, the classification term on a long
     * one). The default is {@link #caption(int)}: a source with one caption per record uses it for both.
     *
     * @throws DataException naming the record when it cannot be read
     */
    default String classificationCaption(int index) {
        return caption(index);
    }

    /** Names of the classes that {@link Sample#label()} indexes; empty when records carry no label. */
    default List<String> classNames() {
        return List.of();
    }

    /** Where this source reports the records it skipped; the loader reports to the same place. */
    BadSamples badSamples();

    /** Releases what the source holds open; the default holds nothing. */
    @Override
    default void close() {
    }
}
