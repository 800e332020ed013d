package ai.superclip.data;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Divides a dataset into train, validation and test parts that never leak: a record goes to a
 * split by a stable hash of its {@link ImageTextDataset#splitKey(int) split key} and the seed, so
 * the same record always lands in the same split, whatever the order, size or other contents of
 * the dataset.
 */
public final class Splits {

    private final double trainFraction;
    private final double validationFraction;
    private final long seed;

    /**
     * @param trainFraction      share of records for {@link Split#TRAIN}
     * @param validationFraction share for {@link Split#VALIDATION}; the rest goes to {@link Split#TEST}
     * @param seed               salt of the hash; another seed gives another (equally stable) division
     */
    public Splits(double trainFraction, double validationFraction, long seed) {
        if (trainFraction < 0 || validationFraction < 0 || trainFraction + validationFraction > 1) {
            throw new IllegalArgumentException("fractions must be >= 0 and sum to at most 1, got "
                    + trainFraction + " and " + validationFraction);
        }
        this.trainFraction = trainFraction;
        this.validationFraction = validationFraction;
        this.seed = seed;
    }

    /** The split a record with this key belongs to. */
    public Split assign(String key) {
        double u = (Hashing.mix(seed, Hashing.of(key)) >>> 11) * 0x1.0p-53;
        if (u < trainFraction) {
            return Split.TRAIN;
        }
        return u < trainFraction + validationFraction ? Split.VALIDATION : Split.TEST;
    }

    /** The records of {@code dataset} in {@code split}, in dataset order; the view does not own the dataset. */
    public ImageTextDataset select(ImageTextDataset dataset, Split split) {
        int[] indices = IntStream.range(0, dataset.size())
                .filter(i -> assign(dataset.splitKey(i)) == split)
                .toArray();
        return new Subset(dataset, indices);
    }

    /** A view of some records of a dataset. */
    private static final class Subset implements ImageTextDataset {
        private final ImageTextDataset parent;
        private final int[] indices;

        Subset(ImageTextDataset parent, int[] indices) {
            this.parent = parent;
            this.indices = indices;
        }

        @Override
        public int size() {
            return indices.length;
        }

        @Override
        public String id(int index) {
            return parent.id(indices[index]);
        }

        @Override
        public String splitKey(int index) {
            return parent.splitKey(indices[index]);
        }

        @Override
        public Sample read(int index) {
            return parent.read(indices[index]);
        }

        @Override
        public String caption(int index) {
            return parent.caption(indices[index]);
        }

        @Override
        public String classificationCaption(int index) {
            return parent.classificationCaption(indices[index]);
        }

        @Override
        public List<String> classNames() {
            return parent.classNames();
        }

        @Override
        public BadSamples badSamples() {
            return parent.badSamples();
        }
    }
}
