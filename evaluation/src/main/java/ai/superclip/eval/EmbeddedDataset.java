package ai.superclip.eval;

import ai.onnxruntime.OrtException;
import ai.superclip.data.Batch;
import ai.superclip.data.BatchLoader;
import ai.superclip.data.ImagePreprocessor;
import ai.superclip.data.ImageTextDataset;
import ai.superclip.inference.ImageEncoder;
import ai.superclip.inference.TextEmbedder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The image embeddings of a dataset with what each record carries: ids, captions, labels, attributes, in
 * dataset order (records the source skipped as bad are absent; {@link #ids} says which are present).
 *
 * @param images image embeddings {@code [N, E]} as the encoder returns them (L2-normalised)
 * @param ids record ids
 * @param splitKeys the records' split keys (records of one image share one)
 * @param captions the records' captions
 * @param labels class indices into {@code classNames}, or {@link ai.superclip.data.Sample#NO_LABEL}
 * @param attributes the records' attributes (scene attributes, emoji category, …)
 * @param classNames the dataset's class names (empty when unlabelled)
 */
public record EmbeddedDataset(float[][] images, List<String> ids, List<String> splitKeys, List<String> captions,
                              int[] labels, List<Map<String, String>> attributes, List<String> classNames) {

    /** Number of embedded records. */
    public int size() {
        return images.length;
    }

    /** Whether every record has a label. */
    public boolean labelled() {
        return !classNames.isEmpty() && java.util.Arrays.stream(labels).allMatch(l -> l >= 0);
    }

    /**
     * Embeds every record of {@code data} with {@code encoder}: a {@link BatchLoader} without shuffling or
     * augmentation (centre crop at the encoder's image size, CLIP normalisation), one epoch, last batch kept.
     *
     * @param batchSize images per loader batch and encoder call
     */
    public static EmbeddedDataset of(ImageEncoder encoder, ImageTextDataset data, int batchSize) throws OrtException {
        Map<String, String> splitKeyOf = new HashMap<>();
        for (int i = 0; i < data.size(); i++) {
            splitKeyOf.put(data.id(i), data.splitKey(i));
        }
        List<float[]> images = new ArrayList<>(data.size());
        List<String> ids = new ArrayList<>(data.size());
        List<String> captions = new ArrayList<>(data.size());
        List<Integer> labels = new ArrayList<>(data.size());
        List<Map<String, String>> attributes = new ArrayList<>(data.size());
        int workers = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        try (BatchLoader loader = BatchLoader.builder(data, new ImagePreprocessor(encoder.imageSize()))
                .batchSize(Math.min(batchSize, data.size())).workers(workers).prefetch(2).shuffle(false)
                .augment(false).dropLast(false).epochs(1).build()) {
            while (loader.hasNext()) {
                try (Batch batch = loader.next()) {
                    if (batch.size() == 0) {
                        continue;
                    }
                    images.addAll(List.of(encoder.encode(batch.images(), batch.size())));
                    ids.addAll(batch.ids());
                    captions.addAll(batch.captions());
                    for (int i = 0; i < batch.size(); i++) {
                        labels.add(batch.label(i));
                        attributes.add(batch.attributes(i));
                    }
                }
            }
        }
        List<String> keys = ids.stream().map(splitKeyOf::get).toList();
        return new EmbeddedDataset(images.toArray(float[][]::new), List.copyOf(ids), keys, List.copyOf(captions),
                labels.stream().mapToInt(Integer::intValue).toArray(), List.copyOf(attributes),
                List.copyOf(data.classNames()));
    }

    /** Text embeddings {@code [texts.size(), E]} of a caption list, in order. */
    public static float[][] texts(TextEmbedder text, List<String> texts) throws OrtException {
        return text.embed(texts);
    }

    /** The records whose positions are listed, in that order. */
    public EmbeddedDataset subset(int[] positions) {
        float[][] im = new float[positions.length][];
        int[] lab = new int[positions.length];
        List<String> i = new ArrayList<>();
        List<String> k = new ArrayList<>();
        List<String> c = new ArrayList<>();
        List<Map<String, String>> a = new ArrayList<>();
        for (int p = 0; p < positions.length; p++) {
            int q = positions[p];
            im[p] = images[q];
            lab[p] = labels[q];
            i.add(ids.get(q));
            k.add(splitKeys.get(q));
            c.add(captions.get(q));
            a.add(attributes.get(q));
        }
        return new EmbeddedDataset(im, i, k, c, lab, a, classNames);
    }
}
