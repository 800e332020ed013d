package ai.superclip.eval;

import ai.superclip.data.CsvDataset;
import ai.superclip.data.SyntheticScenes;
import java.nio.file.Path;

/**
 * Settings of {@link Benchmarks#evaluate}; every setting has a default, so {@code EvalOptions.defaults()} is
 * enough for the synthetic scenes. Immutable: each {@code withX} returns a copy.
 *
 * @param seed seed of the synthetic scenes (use the training seed: the TEST split of a seed is disjoint from
 *     its TRAIN split by construction), of the scene prompts, of the compositional task's answer order and of
 *     the linear probe's validation split
 * @param count number of held-out synthetic scenes; for the real datasets the number of test images used (the
 *     first {@code count} of the test split)
 * @param imageSize side of the rendered scenes in pixels; 0 means the model's input size
 * @param longCaptions caption style of the scenes (and their prompts): long detailed captions or short ones
 * @param pairFraction share of two-object (compositional) scenes among the held-out scenes
 * @param promptsPerClass in-domain captions averaged into each class prototype of the scene tasks
 * @param probeTrainCount training images of the linear probe (the first of the train split); 0 turns the probe
 *     off
 * @param batchSize images per encoder call
 * @param dataDir folder of a real dataset, or null to locate it ({@link ai.superclip.data.KnownDatasets}); for
 *     "csv", the manifest file
 * @param csvImageKey image column of a CSV manifest
 * @param csvCaptionKey caption column of a CSV manifest
 * @param templates zero-shot templates for class names, or null for the dataset's default set
 * @param vocabulary the synthetic scenes' shapes, colours and textures and their frequencies
 */
public record EvalOptions(long seed, int count, int imageSize, boolean longCaptions, double pairFraction,
                          int promptsPerClass, int probeTrainCount, int batchSize, Path dataDir, String csvImageKey,
                          String csvCaptionKey, TemplateSet templates, SyntheticScenes.Vocabulary vocabulary) {

    /** Validates. */
    public EvalOptions {
        if (count < 1 || imageSize < 0 || promptsPerClass < 1 || probeTrainCount < 0 || batchSize < 1
                || !(pairFraction >= 0 && pairFraction <= 1)) {
            throw new IllegalArgumentException("need count >= 1, imageSize >= 0, promptsPerClass >= 1, "
                    + "probeTrainCount >= 0, batchSize >= 1 and pairFraction in [0, 1]");
        }
    }

    /**
     * Seed 0, 1,000 held-out scenes at the model's image size, short captions, 25 % pair scenes, 16 prompts per
     * class, a 5,000-image linear probe, batches of 64, datasets located automatically, CSV columns
     * open_clip's "filepath"/"title" ({@link CsvDataset#DEFAULT_IMAGE_KEY}, {@link CsvDataset#DEFAULT_CAPTION_KEY}).
     */
    public static EvalOptions defaults() {
        return new EvalOptions(0, 1000, 0, false, 0.25, 16, 5000, 64, null, CsvDataset.DEFAULT_IMAGE_KEY,
                CsvDataset.DEFAULT_CAPTION_KEY, null, SyntheticScenes.Vocabulary.BASIC);
    }

    /** The held-out scenes of a model trained on {@code SyntheticScenes} with this seed and caption style. */
    public static EvalOptions scenes(long seed, int count, boolean longCaptions) {
        return defaults().withSeed(seed).withCount(count).withLongCaptions(longCaptions);
    }

    public EvalOptions withVocabulary(SyntheticScenes.Vocabulary v) {
        return new EvalOptions(seed, count, imageSize, longCaptions, pairFraction, promptsPerClass, probeTrainCount,
                batchSize, dataDir, csvImageKey, csvCaptionKey, templates, v);
    }

    public EvalOptions withSeed(long v) {
        return new EvalOptions(v, count, imageSize, longCaptions, pairFraction, promptsPerClass, probeTrainCount,
                batchSize, dataDir, csvImageKey, csvCaptionKey, templates, vocabulary);
    }

    public EvalOptions withCount(int v) {
        return new EvalOptions(seed, v, imageSize, longCaptions, pairFraction, promptsPerClass, probeTrainCount,
                batchSize, dataDir, csvImageKey, csvCaptionKey, templates, vocabulary);
    }

    public EvalOptions withImageSize(int v) {
        return new EvalOptions(seed, count, v, longCaptions, pairFraction, promptsPerClass, probeTrainCount,
                batchSize, dataDir, csvImageKey, csvCaptionKey, templates, vocabulary);
    }

    public EvalOptions withLongCaptions(boolean v) {
        return new EvalOptions(seed, count, imageSize, v, pairFraction, promptsPerClass, probeTrainCount,
                batchSize, dataDir, csvImageKey, csvCaptionKey, templates, vocabulary);
    }

    public EvalOptions withPairFraction(double v) {
        return new EvalOptions(seed, count, imageSize, longCaptions, v, promptsPerClass, probeTrainCount,
                batchSize, dataDir, csvImageKey, csvCaptionKey, templates, vocabulary);
    }

    public EvalOptions withPromptsPerClass(int v) {
        return new EvalOptions(seed, count, imageSize, longCaptions, pairFraction, v, probeTrainCount,
                batchSize, dataDir, csvImageKey, csvCaptionKey, templates, vocabulary);
    }

    public EvalOptions withProbeTrainCount(int v) {
        return new EvalOptions(seed, count, imageSize, longCaptions, pairFraction, promptsPerClass, v,
                batchSize, dataDir, csvImageKey, csvCaptionKey, templates, vocabulary);
    }

    public EvalOptions withBatchSize(int v) {
        return new EvalOptions(seed, count, imageSize, longCaptions, pairFraction, promptsPerClass, probeTrainCount,
                v, dataDir, csvImageKey, csvCaptionKey, templates, vocabulary);
    }

    public EvalOptions withDataDir(Path v) {
        return new EvalOptions(seed, count, imageSize, longCaptions, pairFraction, promptsPerClass, probeTrainCount,
                batchSize, v, csvImageKey, csvCaptionKey, templates, vocabulary);
    }

    /** A CSV manifest and its image and caption columns (dataset name "csv"). */
    public EvalOptions withCsv(Path manifest, String imageKey, String captionKey) {
        return new EvalOptions(seed, count, imageSize, longCaptions, pairFraction, promptsPerClass, probeTrainCount,
                batchSize, manifest, imageKey, captionKey, templates, vocabulary);
    }

    public EvalOptions withTemplates(TemplateSet v) {
        return new EvalOptions(seed, count, imageSize, longCaptions, pairFraction, promptsPerClass, probeTrainCount,
                batchSize, dataDir, csvImageKey, csvCaptionKey, v, vocabulary);
    }
}
