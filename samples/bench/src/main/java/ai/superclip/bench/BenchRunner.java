package ai.superclip.bench;

import ai.superclip.data.EmojiDataset;
import ai.superclip.data.ImageTextDataset;
import ai.superclip.data.KnownDatasets;
import ai.superclip.data.SyntheticScenes;
import ai.superclip.inference.Embeddings;
import ai.superclip.inference.Model;
import ai.superclip.inference.TextEncoder;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.Int8Quantization;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.ModelCost;
import ai.superclip.model.Presets;
import ai.superclip.model.SuperClipModel;
import ai.superclip.runtime.BuildVersions;
import ai.superclip.runtime.LocalFiles;
import ai.superclip.runtime.OrtRuntime;
import ai.superclip.runtime.TrainingSession;
import ai.superclip.tokenization.ClipTokenizer;
import ai.superclip.train.Trainer;
import ai.superclip.train.TrainingConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The benchmark suite: train step (ours vs libtorch, alternating in one process), inference, tokenisation, ONNX
 * Runtime's attainable MatMul rate and the step's share of it, the SuperCLIP head's cost, and a training run's
 * peak memory. Prints a table and returns the report as a JSON-ready map.
 */
public final class BenchRunner {
    /** What to run. */
    public record Options(int warmup, int iterations, int threads, boolean quick, boolean skipLibtorch,
            boolean profile, boolean ortSpinning, Path workDir) {
    }

    private static final long SEED = 7;

    private final Options o;
    private final PrintStream out;
    private final OrtSettings settings;
    /** A user's run left at its defaults but for the thread count: our train step's session settings and rate. */
    private final TrainingConfig userRun;
    /** libtorch's learning rate: the user's default. */
    private final float lr;
    private final List<String[]> table = new ArrayList<>();

    public BenchRunner(Options options, PrintStream out) {
        this.o = options;
        this.out = out;
        this.settings = OrtSettings.tuned(options.threads()).withSpinning(options.ortSpinning());
        this.userRun = TrainingConfig.builder(MID).threads(options.threads()).build();
        this.lr = (float) userRun.learningRate();
    }

    /** The mid-size preset ("small": 128 px, patch 16, width 384, 6 layers). */
    static final String MID = "small";
    static final String VIT_B_32 = "vit-b-32";

    @SuppressWarnings("unchecked")
    public Map<String, Object> run() throws Exception {
        TorchSetup.configure(o.threads());
        OrtRuntime.environment();
        Files.createDirectories(o.workDir());
        Map<String, Object> report = new LinkedHashMap<>();
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("load_average_start", loadAverage());
        machine.put("java", System.getProperty("java.version"));
        machine.put("omp_wait_policy", System.getenv("OMP_WAIT_POLICY"));
        machine.put("onnxruntime", OrtRuntime.version());
        Properties versions = BuildVersions.load(BenchRunner.class);
        machine.put("libtorch", o.skipLibtorch() ? null : BuildVersions.get(versions, "libtorch") + " (DJL "
                + BuildVersions.get(versions, "djl") + ")");
        report.put("machine", machine);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("quick", o.quick());
        run.put("warmup", o.warmup());
        run.put("iterations", o.iterations());
        run.put("threads", o.threads());
        TrainingSession.Options session = userRun.sessionOptions();
        run.put("train_session", Map.of("intra_op_threads", session.intraOpThreads(), "deterministic",
                session.deterministic(), "device", session.device(), "learning_rate", userRun.learningRate()));
        run.put("ort_settings", settings.toMap()); // inference and MatMul
        report.put("run", run);

        int batch = o.quick() ? 8 : 64;
        // the quick run uses tiny shapes for both slots so that it finishes in seconds
        String midPreset = o.quick() ? "tiny" : MID;
        Map<String, Object> speedup = new LinkedHashMap<>();
        Map<String, Object> train = new LinkedHashMap<>();
        Map<String, Object> head = new LinkedHashMap<>();
        Map<String, Object> matmul = matmulRate();
        report.put("matmul", matmul);
        double attainable = (double) matmul.get("attainable_gflops");
        try (ClipTokenizer tokenizer = ClipTokenizer.clip(ClipTokenizer.DEFAULT_CONTEXT_LENGTH)) {
            for (String slot : List.of("tiny", "mid")) {
                String preset = slot.equals("tiny") ? "tiny" : midPreset;
                if (o.quick() && slot.equals("mid")) {
                    // same shapes as the tiny slot: reuse its figures rather than measure them twice
                    Map<String, Object> same = new LinkedHashMap<>((Map<String, Object>) train.get("tiny"));
                    same.put("same_as", "tiny");
                    train.put(slot, same);
                    speedup.put("train_step_mid", same.get("speedup"));
                    speedup.put("matmul_share_mid", same.get("matmul_share"));
                    ModelConfig config = Presets.get(preset).withTokenizer(tokenizer.vocabularySize(),
                            tokenizer.contextLength());
                    report.put("inference", inference("tiny", config, tokenizer, speedup));
                    continue;
                }
                ModelConfig config = Presets.get(preset).withTokenizer(tokenizer.vocabularySize(), tokenizer.contextLength());
                SyntheticInputs data = new SyntheticInputs(config, tokenizer, batch, SEED);
                Map<String, Object> entry = trainStep(slot, preset, config, data, attainable);
                train.put(slot, entry);
                speedup.put("train_step_" + slot, entry.get("speedup"));
                if (slot.equals("tiny")) {
                    Map<String, Object> trim = trainTrimming(config, data);
                    entry.put("trimmed_captions", trim);
                    speedup.put("train_trim_speedup_tiny", trim.get("speedup"));
                }
                head.put(slot, headCost(slot, config, data));
                if (slot.equals("mid")) {
                    speedup.put("matmul_share_mid", entry.get("matmul_share"));
                    report.put("inference", inference("mid", config, tokenizer, speedup));
                    if (o.profile()) {
                        report.put("profile_mid", profile(config, data, o.workDir().resolve("artifacts-" + slot)));
                    }
                }
            }
            if (!o.quick()) { // a real model size, the one people serve: ViT-B/32 (train at batch 32, images at 64)
                ModelConfig b32 = Presets.get(VIT_B_32).withTokenizer(tokenizer.vocabularySize(), tokenizer.contextLength());
                Map<String, Object> entry = trainStep("vit_b_32", VIT_B_32, b32, new SyntheticInputs(b32, tokenizer,
                        32, SEED), attainable);
                train.put("vit_b_32", entry);
                speedup.put("train_step_vit_b_32", entry.get("speedup"));
                speedup.put("matmul_share_vit_b_32", entry.get("matmul_share"));
                Path encoders = o.workDir().resolve("encoders-vit_b_32");
                Trainer.exportEncoders(b32, o.workDir().resolve("artifacts-vit_b_32"), encoders);
                try (TorchModel torch = o.skipLibtorch() ? null : new TorchModel(b32, SEED, lr)) {
                    Map<String, Object> images = encoderTimings("vit_b_32", b32, tokenizer, encoders, torch, 64,
                            List.of("images")).get("images");
                    report.put("inference_vit_b_32", Map.of("images_b64", images));
                    speedup.put("inference_images_b64_vit_b_32", images.get("speedup"));
                }
            }
            report.put("train_step", train);
            report.put("superclip_head", head);
            report.put("tokenization", tokenization(tokenizer));
        }
        report.put("memory", memory(batch, midPreset));
        machine.put("load_average_end", loadAverage());
        Map<?, ?> headTiny = (Map<?, ?>) head.get("tiny");
        speedup.put("head_overhead_tiny", headTiny == null ? null : headTiny.get("time_overhead"));
        Map<?, ?> memoryTiny = (Map<?, ?>) ((Map<?, ?>) report.get("memory")).get("tiny");
        speedup.put("peak_memory_ratio_tiny", memoryTiny == null ? null : memoryTiny.get("peak_over_counted"));
        report.put("speedup", speedup);
        report.put("goals", goals(speedup, head, (Map<?, ?>) report.get("memory")));
        printTable();
        return report;
    }

    private Map<String, Object> trainStep(String slot, String preset, ModelConfig config, SyntheticInputs data,
            double attainable) throws Exception {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("preset", preset);
        entry.put("batch", data.batch);
        ModelCost cost = ModelCost.of(config);
        long flops = 6L * cost.totalMacs() * data.batch;
        entry.put("parameters", cost.totalParameters());
        entry.put("step_gflop", Stats.round(flops / 1e9));
        double load = loadAverage();
        Map<String, Harness.Task> tasks = new LinkedHashMap<>();
        Path artifacts = OrtTrain.writeArtifacts(config, o.workDir().resolve("artifacts-" + slot), SEED);
        try (OrtTrain ours = new OrtTrain(config, artifacts, data, userRun);
                TorchModel torch = o.skipLibtorch() ? null : new TorchModel(config, SEED, lr);
                TorchModel.Batch tb = torch == null ? null : torch.batch(data.pixels, data.ids, data.targets, data.batch)) {
            tasks.put("ours", ours::step);
            if (torch != null) {
                tasks.put("libtorch", () -> torch.trainStep(tb));
            }
            Map<String, Stats> s = Harness.alternate(o.warmup(), o.iterations(), tasks);
            Stats mine = s.get("ours");
            entry.put("ours", mine.toMap());
            double gflops = flops / 1e9 / (mine.median() / 1e3);
            entry.put("ours_gflops", Stats.round(gflops));
            entry.put("matmul_share", Stats.round(gflops / attainable));
            String row = "train step " + slot + " (" + preset + ", b" + data.batch + ")";
            if (torch != null) {
                Stats theirs = s.get("libtorch");
                entry.put("libtorch", theirs.toMap());
                entry.put("libtorch_gflops", Stats.round(flops / 1e9 / (theirs.median() / 1e3)));
                entry.put("speedup", Stats.round(theirs.median() / mine.median()));
                addRow(row, mine, theirs, load, "ms");
            } else {
                entry.put("speedup", null);
                addRow(row, mine, null, load, "ms");
            }
        }
        entry.put("load_average", load);
        return entry;
    }

    /**
     * Our train step with the token ids at full context length (as libtorch gets them) against trimmed to the
     * batch's longest caption (as the trainer feeds them: the same loss and gradients), alternating.
     */
    private Map<String, Object> trainTrimming(ModelConfig config, SyntheticInputs data) throws Exception {
        Path artifacts = o.workDir().resolve("artifacts-tiny");
        Map<String, Object> m = new LinkedHashMap<>();
        double load = loadAverage();
        try (OrtTrain full = new OrtTrain(config, artifacts, data, userRun, userRun.sessionOptions(), false);
                OrtTrain trimmed = new OrtTrain(config, artifacts, data, userRun, userRun.sessionOptions(), true)) {
            Map<String, Harness.Task> tasks = new LinkedHashMap<>();
            tasks.put("full", full::step);
            tasks.put("trimmed", trimmed::step);
            Map<String, Stats> s = Harness.alternate(o.warmup(), o.iterations(), tasks);
            m.put("trimmed_length", TextEncoder.trimmedLength(data.ids, data.batch, config.text().contextLength()));
            m.put("full", s.get("full").toMap());
            m.put("trimmed", s.get("trimmed").toMap());
            m.put("speedup", Stats.round(s.get("full").median() / s.get("trimmed").median()));
            m.put("load_average", load);
            addRow("train step tiny, captions trimmed (L " + m.get("trimmed_length") + ")", s.get("trimmed"),
                    s.get("full"), load, "ms; full length as the other");
        }
        return m;
    }

    /** Step time with the SuperCLIP loss against the CLIP loss, ours only, alternating. */
    private Map<String, Object> headCost(String slot, ModelConfig config, SyntheticInputs data) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        ModelCost cost = ModelCost.of(config);
        double flopShare = (double) cost.head().macs() / cost.totalMacs();
        double load = loadAverage();
        ModelConfig clipConfig = config.withLoss(ModelConfig.Loss.CLIP);
        Path clipArtifacts = OrtTrain.writeArtifacts(clipConfig, o.workDir().resolve("artifacts-" + slot + "-clip"), SEED);
        // the SuperCLIP artifacts are those the train step benchmark of this slot wrote
        try (OrtTrain sc = new OrtTrain(config, o.workDir().resolve("artifacts-" + slot), data, userRun);
                OrtTrain clip = new OrtTrain(clipConfig, clipArtifacts, data, userRun)) {
            Map<String, Harness.Task> tasks = new LinkedHashMap<>();
            tasks.put("superclip", sc::step);
            tasks.put("clip", clip::step);
            // a difference of a few per cent needs more rounds than the other figures; paired per round
            int rounds = o.quick() ? o.iterations() : Math.max(o.iterations(), 12);
            Map<String, Stats> s = Harness.alternate(o.warmup() + 1, rounds, tasks);
            double overhead = Stats.pairedRatio(s.get("superclip"), s.get("clip")) - 1;
            m.put("superclip", s.get("superclip").toMap());
            m.put("clip", s.get("clip").toMap());
            m.put("head_flop_share", Stats.round(flopShare * 1e3) / 1e3);
            m.put("head_parameters", cost.head().parameters());
            m.put("time_overhead", Stats.round(overhead * 1e3) / 1e3);
            m.put("time_overhead_of_medians", Stats.round((s.get("superclip").median() / s.get("clip").median() - 1)
                    * 1e3) / 1e3);
            m.put("load_average", load);
            addRow("superclip vs clip loss " + slot, s.get("superclip"), s.get("clip"), load,
                    String.format(Locale.ROOT, "ms; +%.1f%% time, head FLOPs %.1f%%", overhead * 100, flopShare * 100));
        }
        return m;
    }

    private Map<String, Object> inference(String slot, ModelConfig config, ClipTokenizer tokenizer,
            Map<String, Object> speedup) throws Exception {
        String artifacts = "artifacts-" + slot;
        Path encoders = o.workDir().resolve("encoders");
        Trainer.exportEncoders(config, o.workDir().resolve(artifacts), encoders);
        Map<String, Object> inf = new LinkedHashMap<>();
        try (TorchModel torch = o.skipLibtorch() ? null : new TorchModel(config, SEED, lr)) {
            for (int b : new int[] {1, 64}) {
                Map<String, Map<String, Object>> timed = encoderTimings(slot, config, tokenizer, encoders, torch, b,
                        List.of("images", "texts"));
                timed.forEach((kind, m) -> inf.put(kind + "_b" + b, m));
                if (b == 64) {
                    timed.forEach((kind, m) -> speedup.put("inference_" + kind + "_b64", m.get("speedup")));
                }
            }
            Map<String, Object> sdk = sdkTexts(slot, config, tokenizer, encoders, torch);
            inf.put("texts_b64_sdk", sdk);
            speedup.put("inference_texts_b64_sdk", sdk.get("speedup"));
        }
        inf.put("text_trim", textTrimming(encoders.resolve(InferenceExport.TEXT_ENCODER), config.embedDim(), tokenizer,
                speedup));
        inf.put("int8", int8(config, tokenizer, encoders, speedup));
        return inf;
    }

    /**
     * Ours against libtorch (when given) encoding a batch of {@code b} with the exported {@code encoders}, for each
     * of {@code kinds} ("images", "texts"), alternating; batch 1 times 20 calls per sample.
     */
    private Map<String, Map<String, Object>> encoderTimings(String slot, ModelConfig config, ClipTokenizer tokenizer,
            Path encoders, TorchModel torch, int b, List<String> kinds) throws Exception {
        int s = config.vision().imageSize();
        long e = config.embedDim();
        SyntheticInputs data = new SyntheticInputs(config, tokenizer, b, SEED + b);
        double load = loadAverage();
        Map<String, Map<String, Object>> timed = new LinkedHashMap<>();
        try (OrtInference img = OrtInference.open(encoders.resolve(InferenceExport.IMAGE_ENCODER), settings,
                SuperClipModel.PIXELS, data.pixels.duplicate().rewind(), new long[] {b, 3, s, s},
                SuperClipModel.IMAGE_EMBEDS, new long[] {b, e});
                OrtInference txt = OrtInference.open(encoders.resolve(InferenceExport.TEXT_ENCODER), settings,
                        SuperClipModel.INPUT_IDS, data.ids.duplicate().rewind(),
                        new long[] {b, config.text().contextLength()}, SuperClipModel.TEXT_EMBEDS, new long[] {b, e});
                TorchModel.Batch tb = torch == null ? null : torch.batch(data.pixels, data.ids, null, b)) {
            int reps = b == 1 ? 20 : 1; // batch 1 is fast: time 20 calls per sample
            Map<String, Harness.Task> tasks = new LinkedHashMap<>();
            if (kinds.contains("images")) {
                tasks.put("images_ours", () -> repeat(reps, img::run));
            }
            if (kinds.contains("texts")) {
                tasks.put("texts_ours", () -> repeat(reps, txt::run));
            }
            if (torch != null) {
                if (kinds.contains("images")) {
                    tasks.put("images_libtorch", () -> repeat(reps, () -> torch.encodeImages(tb)));
                }
                if (kinds.contains("texts")) {
                    tasks.put("texts_libtorch", () -> repeat(reps, () -> torch.encodeTexts(tb)));
                }
            }
            Map<String, Stats> st = Harness.alternate(o.warmup() + 1, o.iterations(), tasks);
            for (String kind : kinds) {
                Map<String, Object> m = new LinkedHashMap<>();
                Stats mine = st.get(kind + "_ours");
                m.put("ours", mine.toMap());
                m.put("ours_per_s", Stats.round(reps * b / (mine.median() / 1e3)));
                Stats theirs = st.get(kind + "_libtorch");
                if (theirs != null) {
                    m.put("libtorch", theirs.toMap());
                    m.put("libtorch_per_s", Stats.round(reps * b / (theirs.median() / 1e3)));
                    m.put("speedup", Stats.round(theirs.median() / mine.median()));
                }
                m.put("load_average", load);
                m.put("calls_per_sample", reps);
                timed.put(kind, m);
                addRow("inference " + kind + " b" + b + " (x" + reps + ", " + slot + ")", mine, theirs, load,
                        String.format(Locale.ROOT, "ms; ours %.0f/s", (double) m.get("ours_per_s")));
            }
        }
        return timed;
    }

    /**
     * The SDK's shipping text path, {@link Model#load} then {@code encodeIds}, which trims each batch to its longest
     * caption (the same embeddings), against libtorch (when given) on all the context's positions, as open_clip runs
     * them: batch 64, the ids {@link #encoderTimings} gives both engines, alternating.
     */
    private Map<String, Object> sdkTexts(String slot, ModelConfig config, ClipTokenizer tokenizer, Path encoders,
            TorchModel torch) throws Exception {
        int b = 64;
        SyntheticInputs data = new SyntheticInputs(config, tokenizer, b, SEED + b);
        int length = TextEncoder.trimmedLength(data.ids, b, config.text().contextLength());
        Map<String, Object> m = new LinkedHashMap<>();
        double load = loadAverage();
        // the bench's thread count, as libtorch gets it, where Model.load(dir) would take one per core
        try (Model model = Model.load(encoders, o.threads(), b);
                TorchModel.Batch tb = torch == null ? null : torch.batch(data.pixels, data.ids, null, b)) {
            Map<String, Harness.Task> tasks = new LinkedHashMap<>();
            tasks.put("ours", () -> model.textEncoder().encodeIds(data.ids.duplicate().rewind(), b));
            if (torch != null) {
                tasks.put("libtorch", () -> torch.encodeTexts(tb));
            }
            Map<String, Stats> st = Harness.alternate(o.warmup() + 1, o.iterations(), tasks);
            Stats mine = st.get("ours");
            Stats theirs = st.get("libtorch");
            m.put("trimmed_length", length);
            m.put("ours", mine.toMap());
            m.put("ours_per_s", Stats.round(b / (mine.median() / 1e3)));
            if (theirs != null) {
                m.put("libtorch", theirs.toMap());
                m.put("libtorch_per_s", Stats.round(b / (theirs.median() / 1e3)));
                m.put("speedup", Stats.round(theirs.median() / mine.median()));
            }
            m.put("load_average", load);
            addRow("inference texts b" + b + ", SDK path (trimmed to L " + length + ", " + slot + ")", mine, theirs,
                    load, String.format(Locale.ROOT, "ms; ours %.0f/s", (double) m.get("ours_per_s")));
        }
        return m;
    }

    /**
     * The int8 export of {@code encoders} (as {@code superclip export --quantize int8} writes it) against the float
     * one at batch 64 through the SDK's encoders: throughput of each and the mean cosine of their embeddings.
     */
    private Map<String, Object> int8(ModelConfig config, ClipTokenizer tokenizer, Path encoders,
            Map<String, Object> speedup) throws Exception {
        int b = 64;
        Path quantized = o.workDir().resolve("encoders-int8");
        LocalFiles.deleteTree(quantized);
        Files.createDirectories(quantized);
        for (String encoder : List.of(InferenceExport.IMAGE_ENCODER, InferenceExport.TEXT_ENCODER)) {
            Files.copy(encoders.resolve(encoder), quantized.resolve(encoder));
        }
        Int8Quantization.quantizeEncoders(quantized);
        SyntheticInputs data = new SyntheticInputs(config, tokenizer, b, SEED + b);
        Map<String, Object> m = new LinkedHashMap<>();
        double load = loadAverage();
        try (Model f = Model.load(encoders); Model q = Model.load(quantized)) {
            Map<String, Harness.Task> tasks = new LinkedHashMap<>();
            tasks.put("images_float", () -> f.imageEncoder().encode(data.pixels.duplicate().rewind(), b));
            tasks.put("images_int8", () -> q.imageEncoder().encode(data.pixels.duplicate().rewind(), b));
            tasks.put("texts_float", () -> f.textEncoder().encodeIds(data.ids.duplicate().rewind(), b));
            tasks.put("texts_int8", () -> q.textEncoder().encodeIds(data.ids.duplicate().rewind(), b));
            Map<String, Stats> st = Harness.alternate(o.warmup() + 1, o.iterations(), tasks);
            Map<String, Double> cosine = Map.of(
                    "images", Embeddings.meanCosine(f.imageEncoder().encode(data.pixels.duplicate().rewind(), b),
                            q.imageEncoder().encode(data.pixels.duplicate().rewind(), b)),
                    "texts", Embeddings.meanCosine(f.textEncoder().encodeIds(data.ids.duplicate().rewind(), b),
                            q.textEncoder().encodeIds(data.ids.duplicate().rewind(), b)));
            for (String kind : List.of("images", "texts")) {
                Stats fl = st.get(kind + "_float");
                Stats in = st.get(kind + "_int8");
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("float", fl.toMap());
                r.put("int8", in.toMap());
                r.put("speedup_over_float", Stats.round(fl.median() / in.median()));
                r.put("mean_cosine_to_float", Math.round(cosine.get(kind) * 1e5) / 1e5);
                r.put("load_average", load);
                m.put(kind + "_b" + b, r);
                speedup.put("int8_over_float_" + kind + "_b64", r.get("speedup_over_float"));
                addRow("int8 " + kind + " b" + b, in, fl, load, String.format(Locale.ROOT,
                        "ms; float as the other; mean cosine %.4f", cosine.get(kind)));
            }
        }
        m.put("image_encoder_bytes", Map.of("float", Files.size(encoders.resolve(InferenceExport.IMAGE_ENCODER)),
                "int8", Files.size(quantized.resolve(InferenceExport.IMAGE_ENCODER))));
        return m;
    }

    /**
     * The text encoder at batch 64 on full-length ids [64, context] and on the same ids trimmed to the batch's
     * longest caption (what {@link TextEncoder} feeds it), per caption source: equal embeddings, fewer positions.
     */
    private Map<String, Object> textTrimming(Path textEncoder, long embedDim, ClipTokenizer tokenizer,
            Map<String, Object> speedup) throws Exception {
        int b = 64;
        int context = tokenizer.contextLength();
        Map<String, List<String>> sources = new LinkedHashMap<>();
        sources.put("scenes_short", firstCaptions(SyntheticScenes.builder().seed(SEED).count(b).build(), b));
        sources.put("scenes_long", firstCaptions(SyntheticScenes.builder().seed(SEED).count(b).longCaptions(true)
                .build(), b));
        sources.put("bench_captions", SyntheticInputs.captions(b, new Random(SEED)));
        Optional<Path> emoji = KnownDatasets.EMOJI.locate();
        if (emoji.isPresent()) {
            try (EmojiDataset names = EmojiDataset.open(emoji.get())) {
                sources.put("emoji_names", firstCaptions(names, b));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (var source : sources.entrySet()) {
            LongBuffer full = ByteBuffer.allocateDirect(b * context * Long.BYTES).order(ByteOrder.nativeOrder())
                    .asLongBuffer();
            tokenizer.encodeBatch(source.getValue(), full);
            int length = TextEncoder.trimmedLength(full, b, context);
            LongBuffer trimmed = TextEncoder.trimmedRows(full, b, context, length, ByteBuffer.allocateDirect(
                    b * length * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer());
            double load = loadAverage();
            try (OrtInference all = OrtInference.open(textEncoder, settings, SuperClipModel.INPUT_IDS, full.rewind(),
                    new long[] {b, context}, SuperClipModel.TEXT_EMBEDS, new long[] {b, embedDim});
                    OrtInference cut = OrtInference.open(textEncoder, settings, SuperClipModel.INPUT_IDS,
                            trimmed.rewind(), new long[] {b, length}, SuperClipModel.TEXT_EMBEDS, new long[] {b, embedDim})) {
                Map<String, Harness.Task> tasks = new LinkedHashMap<>();
                tasks.put("full", all::run);
                tasks.put("trimmed", cut::run);
                Map<String, Stats> st = Harness.alternate(o.warmup() + 1, o.iterations(), tasks);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("trimmed_length", length);
                r.put("full", st.get("full").toMap());
                r.put("trimmed", st.get("trimmed").toMap());
                r.put("speedup", Stats.round(st.get("full").median() / st.get("trimmed").median()));
                r.put("load_average", load);
                m.put(source.getKey(), r);
                addRow("text trim b64 " + source.getKey() + " (L " + length + ")", st.get("trimmed"), st.get("full"),
                        load, "ms; full length as the other");
            }
        }
        speedup.put("text_trim_speedup", ((Map<?, ?>) m.get("scenes_long")).get("speedup"));
        return m;
    }

    private static List<String> firstCaptions(ImageTextDataset data, int n) {
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            captions.add(data.caption(i % data.size()));
        }
        return captions;
    }

    private static void repeat(int n, Harness.Task t) throws Exception {
        for (int i = 0; i < n; i++) {
            t.run();
        }
    }

    private Map<String, Object> tokenization(ClipTokenizer tokenizer) throws Exception {
        int n = 1024;
        List<String> captions = SyntheticInputs.captions(n, new Random(SEED));
        LongBuffer buf = ByteBuffer.allocateDirect(n * tokenizer.contextLength() * Long.BYTES)
                .order(ByteOrder.nativeOrder()).asLongBuffer();
        double load = loadAverage();
        Stats s = Harness.single(o.warmup() + 1, o.iterations(), () -> {
            buf.clear();
            tokenizer.encodeBatch(captions, buf);
        });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch", n);
        m.put("stats", s.toMap());
        m.put("captions_per_s", Stats.round(n / (s.median() / 1e3)));
        m.put("load_average", load);
        addRow("tokenise " + n + " captions", s, null, load,
                String.format(Locale.ROOT, "ms; %.0f captions/s", n / (s.median() / 1e3)));
        return m;
    }

    private Map<String, Object> matmulRate() throws Exception {
        int[][] shapes = o.quick() ? new int[][] {{512, 512, 512}}
                : new int[][] {{512, 512, 512}, {1024, 1024, 1024}, {4160, 384, 1536}, {4160, 1536, 384},
                    {4928, 256, 1024}};
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> rates = new LinkedHashMap<>();
        double best = 0;
        for (int[] sh : shapes) {
            double load = loadAverage();
            try (OrtInference mm = OrtInference.matmul(settings, sh[0], sh[1], sh[2])) {
                Stats s = Harness.single(o.warmup() + 2, Math.max(o.iterations(), 5), mm::run);
                double gflops = 2.0 * sh[0] * sh[1] * sh[2] / 1e9 / (s.min() / 1e3);
                String key = sh[0] + "x" + sh[1] + "x" + sh[2];
                Map<String, Object> r = new LinkedHashMap<>(s.toMap());
                r.put("gflops_at_min", Stats.round(gflops));
                r.put("gflops_at_median", Stats.round(2.0 * sh[0] * sh[1] * sh[2] / 1e9 / (s.median() / 1e3)));
                r.put("load_average", load);
                rates.put(key, r);
                best = Math.max(best, gflops);
                addRow("ORT MatMul " + key, s, null, load, String.format(Locale.ROOT, "ms; %.0f GFLOP/s at min", gflops));
            }
        }
        m.put("shapes", rates);
        m.put("attainable_gflops", Stats.round(best));
        m.put("note", "attainable = best rate (at the fastest iteration) over the shapes, those of the mid preset's "
                + "linear layers among them");
        return m;
    }

    /**
     * Profiles a few steps over the artifacts the train step benchmark wrote into {@code artifacts}: kernel time per
     * operator type per step, and the median wall time of the steps' forward-backward and AdamW phases.
     */
    Map<String, Object> profile(ModelConfig config, SyntheticInputs data, Path artifacts) throws Exception {
        Path prefix = o.workDir().resolve("ort-profile");
        int steps = 3;
        double[] trainMs = new double[steps];
        double[] optimizerMs = new double[steps];
        Path written;
        long started = System.currentTimeMillis() - 1000; // file times may be rounded down to the second
        try (OrtTrain ours = new OrtTrain(config, artifacts, data, userRun,
                userRun.sessionOptions().withProfile(prefix.toString()))) {
            for (int i = 0; i < steps; i++) {
                OrtTrain.StepPhases phases = ours.timedStep();
                trainMs[i] = phases.trainMs();
                optimizerMs[i] = phases.optimizerMs();
            }
        }
        try (Stream<Path> files = Files.list(o.workDir())) {
            // the session writes one profile per model (training, eval, optimizer; the small two may even share a
            // name): the training model's is the largest of this run's
            written = files.filter(p -> p.getFileName().toString().startsWith("ort-profile")
                    && p.toString().endsWith(".json") && p.toFile().lastModified() >= started)
                    .max(Comparator.comparingLong(p -> p.toFile().length()))
                    .orElseThrow(() -> new IOException("ONNX Runtime wrote no profile under " + prefix));
        }
        // the profile's first run is the constructor's (unpinned) step, a warm-up that steadyState leaves out
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", written.toString());
        m.put("train_step_ms", Stats.round(Stats.of(trainMs).median()));
        m.put("optimizer_step_ms", Stats.round(Stats.of(optimizerMs).median()));
        m.putAll(OrtProfile.steadyState(written, 12));
        return m;
    }

    private Map<String, Object> memory(int batch, String midPreset) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<String> presets = o.quick() ? List.of("tiny") : List.of("tiny", midPreset);
        int steps = o.quick() ? 2 : 5;
        for (String preset : presets) {
            Map<String, Object> e = new LinkedHashMap<>();
            ModelConfig config = Presets.get(preset);
            Map<String, Long> counted = MemoryProbe.counted(config, batch);
            e.putAll(counted);
            double load = loadAverage();
            try {
                Map<String, Long> rss = MemoryProbe.runChild(preset, batch, steps, o.threads(),
                        o.workDir().resolve("memory-" + preset));
                e.putAll(rss);
                long peak = rss.get("peak_rss_bytes");
                e.put("peak_over_counted", Stats.round((double) peak / counted.get("total_bytes")));
                // the last step's peak, before ONNX Runtime serialises the final checkpoint in memory
                e.put("steps_peak_over_counted", Stats.round((double) rss.get("steps_peak_rss_bytes")
                        / counted.get("total_bytes")));
                table.add(new String[] {"peak RSS training " + preset + " b" + batch,
                    String.format(Locale.ROOT, "%.0f MB", peak / 1e6), "",
                    String.format(Locale.ROOT, "counted %.0f MB (x%.2f; x%.2f before the final checkpoint; "
                            + "JVM before training %.0f MB)", counted.get("total_bytes") / 1e6,
                            (double) peak / counted.get("total_bytes"), e.get("steps_peak_over_counted"),
                            rss.get("baseline_rss_bytes") / 1e6),
                    String.format(Locale.ROOT, "%.2f", load)});
            } catch (Exception ex) {
                e.put("error", String.valueOf(ex.getMessage()));
            }
            e.put("steps", steps);
            e.put("load_average", load);
            m.put(preset, e);
        }
        return m;
    }

    private Map<String, Object> goals(Map<String, Object> speedup, Map<String, Object> head, Map<?, ?> memory) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("train_step_tiny_at_most_0.8x_libtorch", ge(speedup.get("train_step_tiny"), 1.25));
        g.put("train_step_mid_at_most_0.8x_libtorch", ge(speedup.get("train_step_mid"), 1.25));
        g.put("inference_images_b64_at_least_2.5x", ge(speedup.get("inference_images_b64"), 2.5));
        g.put("inference_texts_b64_at_least_2.5x", ge(speedup.get("inference_texts_b64"), 2.5));
        g.put("inference_texts_b64_sdk_at_least_2.5x", ge(speedup.get("inference_texts_b64_sdk"), 2.5));
        g.put("matmul_share_mid_at_least_0.75", ge(speedup.get("matmul_share_mid"), 0.75));
        for (var e : head.entrySet()) {
            Map<?, ?> h = (Map<?, ?>) e.getValue();
            g.put("head_overhead_" + e.getKey() + "_at_most_flop_share_plus_2pct",
                    (double) h.get("time_overhead") <= (double) h.get("head_flop_share") + 0.02);
        }
        for (var e : memory.entrySet()) {
            Object ratio = ((Map<?, ?>) e.getValue()).get("peak_over_counted");
            g.put("peak_memory_" + e.getKey() + "_within_1.5x", ratio == null ? null : (double) ratio <= 1.5);
        }
        return g;
    }

    private static Boolean ge(Object v, double threshold) {
        return v == null ? null : ((Number) v).doubleValue() >= threshold;
    }

    private void addRow(String name, Stats ours, Stats theirs, double load, String note) {
        table.add(new String[] {name, range(ours), theirs == null ? "" : range(theirs),
            theirs == null ? note : String.format(Locale.ROOT, "x%.2f (%s)", theirs.median() / ours.median(), note),
            String.format(Locale.ROOT, "%.2f", load)});
    }

    private static String range(Stats s) {
        return String.format(Locale.ROOT, "%.1f [%.1f-%.1f]", s.median(), s.min(), s.max());
    }

    private void printTable() {
        String[] header = {"benchmark", "ours median [min-max]", "libtorch / other", "speedup (libtorch/ours)", "load"};
        int[] w = new int[header.length];
        List<String[]> rows = new ArrayList<>();
        rows.add(header);
        rows.addAll(table);
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                sb.append(String.format("%-" + w[i] + "s", r[i])).append(i + 1 < r.length ? " | " : "");
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    /** The one-minute load average, or -1. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Writes {@code report} as pretty JSON. */
    public static void write(Map<String, Object> report, Path file) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), report);
    }
}
