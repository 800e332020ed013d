package ai.superclip.experiments;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.superclip.data.ImagePreprocessor;
import ai.superclip.data.Split;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.interop.PretrainedModel;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.SuperClipModel;
import ai.superclip.runtime.LocalFiles;
import ai.superclip.runtime.OrtRuntime;
import ai.superclip.tokenization.ClipTokenizer;
import ai.superclip.tokenization.IdfStatistics;
import ai.superclip.train.RunFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a trained SuperCLIP classification head predicts on held-out scenes, and which IDF weights its targets
 * gave the informative words: the look behind the numbers of {@code docs/results.md}.
 *
 * <p>From the run's kept checkpoint it exports the image tower with the head
 * ({@link InferenceExport#writeTokenHead}) and scores each held-out single-object scene. For shape and colour it
 * reads the head as a classifier (the value whose word's tokens get the highest mean logit; a shape by its
 * singular or plural word, whichever scores higher) over all scenes and over those showing a rare value; it
 * measures how many of the head's top-k tokens are the caption's (k = the caption's distinct tokens), and lists
 * each colour word with its training frequency and the IDF weight the run's online statistics gave it.
 */
final class HeadProbe {

    private static final SyntheticScenes.Vocabulary VOCABULARY = Experiments.VOCABULARY;

    private HeadProbe() {
    }

    /**
     * The Markdown section on the SuperCLIP run in {@code runDir} (its {@code checkpoints} kept), evaluated on
     * {@code count} held-out scenes of {@code seed}.
     */
    static String markdown(Path runDir, long seed, int count, int batchSize) throws IOException, OrtException {
        Path checkpoint = RunFiles.checkpoint(runDir, "latest");
        PretrainedModel pm = RunFiles.pretrained(checkpoint);
        Path tmp = Files.createTempDirectory("superclip-head");
        int imageSize = pm.config().vision().imageSize();
        SyntheticScenes scenes = SyntheticScenes.builder().seed(seed).split(Split.TEST).count(count)
                .imageSize(imageSize).vocabulary(VOCABULARY).build();
        List<Integer> singles = new ArrayList<>();
        for (int i = 0; i < scenes.size(); i++) {
            if (scenes.attributes(i).get("kind").equals("single")) {
                singles.add(i);
            }
        }
        float[][] logits;
        try (ClipTokenizer tokenizer = ClipTokenizer.clip(pm.config().text().contextLength())) {
            try {
                InferenceExport.writeTokenHead(tmp, pm.config(), pm.weights(), "clip");
                logits = headLogits(tmp.resolve(InferenceExport.TOKEN_HEAD), scenes, singles, imageSize);
            } finally {
                LocalFiles.deleteTree(tmp);
            }
            return report(runDir, scenes, singles, logits, tokenizer, pm.idf(), batchSize);
        }
    }

    private static String report(Path runDir, SyntheticScenes scenes, List<Integer> singles, float[][] logits,
                                 ClipTokenizer tokenizer, PretrainedModel.IdfState idf, int batchSize) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Run `%s` (its last checkpoint), %d held-out single-object scenes.%n%n",
                runDir.getParent().getFileName() + "/" + runDir.getFileName(), singles.size()));
        md.append("| attribute | head top-1, all scenes | head top-1, rare values | chance |\n|---|---|---|---|\n");
        for (String attribute : List.of("shape", "color")) {
            List<String> values = VOCABULARY.values(attribute);
            List<String> rare = VOCABULARY.tail(attribute);
            int right = 0;
            int rareRight = 0;
            int rareSeen = 0;
            for (int p = 0; p < singles.size(); p++) {
                String truth = scenes.attributes(singles.get(p)).get(attribute);
                String guess = values.get(argmaxValue(logits[p], values, attribute, tokenizer));
                right += guess.equals(truth) ? 1 : 0;
                if (rare.contains(truth)) {
                    rareSeen++;
                    rareRight += guess.equals(truth) ? 1 : 0;
                }
            }
            md.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f (%d scenes) | %.3f |%n", attribute,
                    right / (double) singles.size(), rareSeen == 0 ? 0 : rareRight / (double) rareSeen, rareSeen,
                    1.0 / values.size()));
        }
        double precision = 0;
        for (int p = 0; p < singles.size(); p++) {
            Set<Long> caption = ids(tokenizer, scenes.caption(singles.get(p)));
            int[] top = topK(logits[p], caption.size());
            int hits = 0;
            for (int id : top) {
                hits += caption.contains((long) id) ? 1 : 0;
            }
            precision += hits / (double) caption.size();
        }
        md.append(String.format(Locale.ROOT, "%nOf the head's top-k tokens (k = the caption's distinct tokens), "
                + "%.1f %% are the caption's own.%n%n", 100 * precision / singles.size()));
        md.append("Examples with a rare shape or colour (caption → the head's five highest tokens):\n\n");
        for (String attribute : List.of("shape", "color")) {
            int shown = 0;
            for (int p = 0; p < singles.size() && shown < 2; p++) {
                if (VOCABULARY.tail(attribute).contains(scenes.attributes(singles.get(p)).get(attribute))) {
                    List<String> words = new ArrayList<>();
                    for (int id : topK(logits[p], 5)) {
                        words.add(tokenizer.decode(new long[] {id}).trim());
                    }
                    md.append("- “").append(scenes.caption(singles.get(p))).append("” → ")
                            .append(String.join(", ", words)).append('\n');
                    shown++;
                }
            }
        }
        double[] w = idf == null ? null : weights(idf, batchSize);
        for (String attribute : List.of("shape", "color")) {
            List<String> values = VOCABULARY.values(attribute);
            md.append("\nPer ").append(attribute).append(": share of the training objects, the IDF weight the "
                    + "run's online statistics gave its word (mean over the word's tokens, batch ").append(batchSize)
                    .append("), the word's share of the classification target of a caption such as “")
                    .append(example(attribute, values.get(0))).append("”, and the head's recall on the held-out "
                    + "scenes showing it:\n\n| ").append(attribute).append(" | share | IDF weight | target share "
                    + "| head recall |\n|---|---|---|---|---|\n");
            for (int k = 0; k < values.size(); k++) {
                String value = values.get(k);
                Set<Long> own = ids(tokenizer, value);
                double total = 0;
                for (long id : ids(tokenizer, example(attribute, value))) {
                    total += w == null ? 1 : w[(int) id];
                }
                double ownWeight = 0;
                for (long id : own) {
                    ownWeight += w == null ? 1 : w[(int) id];
                }
                int seen = 0;
                int right = 0;
                for (int p = 0; p < singles.size(); p++) {
                    if (scenes.attributes(singles.get(p)).get(attribute).equals(value)) {
                        seen++;
                        right += argmaxValue(logits[p], values, attribute, tokenizer) == k ? 1 : 0;
                    }
                }
                md.append(String.format(Locale.ROOT, "| %s | %.3f | %.2f | %.2f | %s |%n", value,
                        VOCABULARY.frequency(k, values.size()), w == null ? 1 : mean(w, own),
                        total == 0 ? 0 : ownWeight / total, seen == 0 ? "–"
                                : String.format(Locale.ROOT, "%.2f (%d)", right / (double) seen, seen)));
            }
        }
        return md.toString();
    }

    /** A one-object short caption naming {@code value}: "a olive circle", "a red crescent". */
    private static String example(String attribute, String value) {
        return attribute.equals("color") ? "a " + value + " circle" : "a red " + value;
    }

    /** The online IDF weight of every id for batches of {@code batchSize}, from the run's statistics. */
    private static double[] weights(PretrainedModel.IdfState idf, int batchSize) {
        return IdfStatistics.online(idf.frequencies(), idf.samples()).weights(batchSize);
    }

    /** The value whose word's tokens get the highest mean logit; shapes by singular or plural, whichever is higher. */
    private static int argmaxValue(float[] logits, List<String> values, String attribute, ClipTokenizer tokenizer) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < values.size(); v++) {
            List<String> words = attribute.equals("shape") ? List.of(values.get(v), plural(values.get(v)))
                    : List.of(values.get(v));
            for (String word : words) {
                double score = 0;
                Set<Long> ids = ids(tokenizer, word);
                for (long id : ids) {
                    score += logits[(int) id];
                }
                score /= ids.size();
                if (score > bestScore) {
                    bestScore = score;
                    best = v;
                }
            }
        }
        return best;
    }

    private static String plural(String shape) {
        return shape.endsWith("s") ? shape + "es" : shape + "s";
    }

    private static Set<Long> ids(ClipTokenizer tokenizer, String text) {
        Set<Long> ids = new HashSet<>();
        Arrays.stream(tokenizer.tokenIds(text)).forEach(ids::add);
        return ids;
    }

    private static double mean(double[] w, Set<Long> ids) {
        return ids.stream().mapToDouble(id -> w[id.intValue()]).average().orElse(0);
    }

    private static int[] topK(float[] logits, int k) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        return Arrays.stream(order, 0, k).mapToInt(Integer::intValue).toArray();
    }

    /** The head's logits for the scenes at {@code indices}, preprocessed as the encoders do (centre crop). */
    private static float[][] headLogits(Path model, SyntheticScenes scenes, List<Integer> indices, int imageSize)
            throws OrtException {
        OrtEnvironment env = OrtRuntime.environment();
        ImagePreprocessor preprocessor = new ImagePreprocessor(imageSize);
        int perImage = preprocessor.floatsPerImage();
        float[][] out = new float[indices.size()][];
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model.toString(), options)) {
                for (int from = 0; from < indices.size(); from += 64) {
                    int n = Math.min(64, indices.size() - from);
                    FloatBuffer pixels = ByteBuffer.allocateDirect(n * perImage * Float.BYTES)
                            .order(ByteOrder.nativeOrder()).asFloatBuffer();
                    for (int i = 0; i < n; i++) {
                        preprocessor.centerCrop(scenes.read(indices.get(from + i)).image(), pixels, i * perImage);
                    }
                    try (OnnxTensor t = OnnxTensor.createTensor(env, pixels,
                            new long[] {n, 3, imageSize, imageSize});
                            OrtSession.Result r = session.run(Map.of(SuperClipModel.PIXELS, t))) {
                        float[][] rows = (float[][]) r.get(0).getValue();
                        System.arraycopy(rows, 0, out, from, n);
                    }
                }
            }
        }
        return out;
    }
}
