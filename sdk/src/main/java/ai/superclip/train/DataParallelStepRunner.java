package ai.superclip.train;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.superclip.artifacts.NamedArray;
import ai.superclip.artifacts.OrtCheckpoint;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.data.Batch;
import ai.superclip.data.Position;
import ai.superclip.distributed.Collective;
import ai.superclip.graph.Shape;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.SuperClipModel;
import ai.superclip.runtime.OrtRuntime;
import ai.superclip.runtime.StepOutputs;
import ai.superclip.runtime.TrainingSession;
import ai.superclip.tokenization.IdfStatistics;
import ai.superclip.tokenization.TokenTargets;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * One optimizer step of synchronous data-parallel training, on a session over a worker's artifacts
 * ({@link SuperClipModel#writeWorkerArtifacts}), equal to one process's step over the global batch (every worker's
 * rows, in rank order). Per step: the workers' captions are all-gathered and update the IDF statistics (identical on
 * every worker); per micro-batch, a forward pass of the injection model computes this worker's features, the
 * features are all-gathered, and the gradient model computes the loss over the global batch and this worker's
 * parameter gradients, which add up over the micro-batches; then the gradients (and the loss terms) are summed over
 * the workers, the injection model puts the sum into ONNX Runtime's gradient buffers, and AdamW steps. See
 * docs/distributed.md.
 */
final class DataParallelStepRunner implements StepExecutor {
    private static final Logger LOG = Logger.getLogger("ai.superclip.train");
    private final OrtEnvironment env = OrtRuntime.environment();
    private final TrainingSession session;
    private final Collective collective;
    private final StepInputs inputs;
    private final int embedDim;
    private final int accumulation;
    private final boolean superclip;
    private final float weightDecay;
    private final double lambda;
    private final List<String> trainable = new ArrayList<>();
    /** The gradient model's outputs, pinned; the gradient tensors double as the injection model's inputs. */
    private final Map<String, OnnxTensor> evalOut = new LinkedHashMap<>();
    private final Map<String, FloatBuffer> evalValues = new HashMap<>();
    /** Every trainable parameter's gradient, flat, summed over the micro-batches, then over the workers; then the loss terms. */
    private final float[] reduced;
    /** The gradient model's constant scalar inputs. */
    private final Map<String, OnnxTensor> gradientScalars = new HashMap<>();
    /** The injection model's scalar inputs, over {@link #decayValue} and {@link #stepLossValue}. */
    private final Map<String, OnnxTensor> injectionScalars = new HashMap<>();
    private final FloatBuffer decayValue = StepRunner.directFloats(1);
    private final FloatBuffer stepLossValue = StepRunner.directFloats(1);
    /** Nanoseconds spent per phase over all steps, logged on close: features, gradients, all-reduce, update. */
    private final long[] phaseNanos = new long[4];
    private long steps;

    DataParallelStepRunner(TrainingSession session, Collective collective, Path ortCheckpoint, ModelConfig model,
            int accumulation, int context, TokenTargets targets, String targetCaptions) throws OrtException {
        this.session = session;
        this.collective = collective;
        this.inputs = new StepInputs(model, context, targets, targetCaptions, 1);
        this.embedDim = model.embedDim();
        this.accumulation = accumulation;
        this.superclip = model.loss() == ModelConfig.Loss.SUPERCLIP;
        this.weightDecay = model.adamW().weightDecay();
        this.lambda = model.lambda();
        Map<String, long[]> shapes = new HashMap<>();
        for (NamedArray p : OrtCheckpoint.readParameters(ortCheckpoint).trainable()) {
            shapes.put(p.name(), p.shape());
        }
        long floats = 0;
        try {
            for (String name : session.evalOutputNames()) {
                boolean gradient = name.endsWith(TrainingArtifacts.GRADIENT_SUFFIX);
                long[] shape = gradient ? shapes.get(name.substring(0, name.length() - TrainingArtifacts.GRADIENT_SUFFIX.length()))
                        : new long[0];
                int size = Math.toIntExact(Shape.size(shape));
                FloatBuffer value = StepRunner.directFloats(size);
                evalValues.put(name, value);
                evalOut.put(name, OnnxTensor.createTensor(env, value, shape));
                if (gradient) {
                    trainable.add(name);
                    floats += size;
                }
            }
            gradientScalars.put(SuperClipModel.SCALE_SHARE, OnnxTensor.createTensor(env, new float[] {collective.rank() == 0 ? 1f : 0f}));
            gradientScalars.put(TrainingArtifacts.GRADIENT_SCALE_INPUT, OnnxTensor.createTensor(env, new float[] {1f / accumulation}));
            injectionScalars.put(TrainingArtifacts.STEP_LOSS_INPUT, OnnxTensor.createTensor(env, stepLossValue, new long[0]));
            if (session.trainInputNames().contains(TrainingArtifacts.WEIGHT_DECAY_INPUT)) {
                injectionScalars.put(TrainingArtifacts.WEIGHT_DECAY_INPUT, OnnxTensor.createTensor(env, decayValue, new long[] {1}));
            }
        } catch (OrtException | RuntimeException e) {
            close();
            throw e;
        }
        this.reduced = new float[Math.toIntExact(floats + Tail.values().length)];
    }

    /** The loss terms summed over the workers after the gradients. */
    private enum Tail { WEIGHTED_CLS, CLIP, NOT_FINITE }

    @Override
    public StepRunner.Outcome step(List<Batch> micros, double lr, IdfStatistics idf) throws OrtException {
        checkSamePosition(micros.get(0));
        int k = accumulation;
        int[][][] captionIds = superclip ? inputs.captions(micros) : null;
        int stepCaptions = 0;
        if (superclip) {
            int[][] global = allGatherCaptions(captionIds);
            stepCaptions = global.length;
            idf.update(global);
        }
        Arrays.fill(reduced, 0f);
        double scale = Double.NaN;
        int samples = 0;
        for (int micro = 0; micro < k; micro++) {
            Batch b = micros.get(micro);
            int m = b.size();
            long t0 = System.nanoTime();
            float[][] features = features(b, m);
            long t1 = System.nanoTime();
            phaseNanos[0] += t1 - t0;
            int rows = 0;
            int offset = 0;
            for (int r = 0; r < features.length; r++) {
                int n = features[r].length / (2 * embedDim);
                offset += r < collective.rank() ? n : 0;
                rows += n;
            }
            samples += rows;
            Map<String, OnnxTensor> in = new HashMap<>();
            try {
                inputs.putPixelsAndIds(in, b, m);
                in.put(SuperClipModel.GLOBAL_IMAGE_EMBEDS, OnnxTensor.createTensor(env, FloatBuffer.wrap(half(features, 0)), new long[] {rows, embedDim}));
                in.put(SuperClipModel.GLOBAL_TEXT_EMBEDS, OnnxTensor.createTensor(env, FloatBuffer.wrap(half(features, 1)), new long[] {rows, embedDim}));
                float[] own = new float[rows * m];
                for (int j = 0; j < m; j++) {
                    own[(offset + j) * m + j] = 1f;
                }
                in.put(SuperClipModel.OWN_ROWS, OnnxTensor.createTensor(env, FloatBuffer.wrap(own), new long[] {rows, m}));
                in.put(SuperClipModel.CLS_SHARE, OnnxTensor.createTensor(env, new float[] {(float) m / rows}));
                if (superclip) {
                    inputs.putTargets(in, idf, captionIds[micro], stepCaptions, m);
                }
                Map<String, OnnxTensor> all = new HashMap<>(in);
                all.putAll(gradientScalars);
                session.evalStep(all, evalOut);
                phaseNanos[1] += System.nanoTime() - t1;
            } finally {
                in.values().forEach(OnnxTensor::close);
            }
            int at = 0;
            for (String name : trainable) {
                FloatBuffer g = evalValues.get(name);
                for (int i = 0, n = g.capacity(); i < n; i++) {
                    reduced[at + i] += g.get(i);
                }
                at += g.capacity();
            }
            float loss = scalar(TrainingArtifacts.LOSS);
            float cls = superclip ? scalar(SuperClipModel.CLS_LOSS) : 0f;
            reduced[at + Tail.WEIGHTED_CLS.ordinal()] += cls * m / rows / k;
            reduced[at + Tail.CLIP.ordinal()] += scalar(SuperClipModel.CLIP_LOSS) / k;
            reduced[at + Tail.NOT_FINITE.ordinal()] += Float.isFinite(loss) ? 0f : 1f;
            scale = scalar(SuperClipModel.SCALE);
        }
        long t2 = System.nanoTime();
        collective.allReduceSum(reduced);
        long t3 = System.nanoTime();
        phaseNanos[2] += t3 - t2;
        int tail = reduced.length - Tail.values().length;
        double cls = superclip ? reduced[tail + Tail.WEIGHTED_CLS.ordinal()] : Double.NaN;
        double clip = reduced[tail + Tail.CLIP.ordinal()] / collective.size();
        double loss = clip + (superclip ? lambda * cls : 0);
        boolean finite = reduced[tail + Tail.NOT_FINITE.ordinal()] == 0 && Double.isFinite(loss);
        if (finite) {
            inject(micros.get(k - 1), (float) loss, (float) (lr * weightDecay));
            session.setLearningRate((float) lr);
            session.optimizerStep();
        }
        session.lazyResetGrad();
        phaseNanos[3] += System.nanoTime() - t3;
        steps++;
        return new StepRunner.Outcome(loss, clip, cls, scale, samples, finite);
    }

    /**
     * Fails unless every worker's step starts at the same global batch. A worker's shard keeps any row that reads
     * (the global batch is then smaller, as one process's would be), but a shard whose every record failed is
     * skipped by that worker's loader alone; training on would pair different batches' rows, so it stops here.
     */
    private void checkSamePosition(Batch first) {
        Position at = first.position();
        float[][] all = collective.allGather(new float[] {at.epoch(), at.index() >>> 16, at.index() & 0xffff});
        for (int r = 0; r < all.length; r++) {
            Position theirs = new Position((int) all[r][0], ((int) all[r][1] << 16) | (int) all[r][2]);
            if (!theirs.equals(at)) {
                throw new TrainingException("data-parallel workers lost step: worker " + collective.rank() + " is at "
                        + at + ", worker " + r + " at " + theirs + " (every record of one worker's shard of a batch was"
                        + " unreadable, so that worker skipped it alone; see the bad-sample log and fix or remove"
                        + " those records)");
            }
        }
    }

    /** Pass 1: this worker's features of {@code b} with the current weights, then every worker's, by rank. */
    private float[][] features(Batch b, int m) throws OrtException {
        zeroGradients();
        stepLossValue.put(0, Float.NaN); // gates off the injection model's in-place pass: nothing is injected
        decayValue.put(0, 0f);
        try (StepOutputs out = runInjection(b, m)) {
            float[] own = new float[2 * m * embedDim];
            ((OnnxTensor) out.get(SuperClipModel.IMAGE_EMBEDS)).getFloatBuffer().get(own, 0, m * embedDim);
            ((OnnxTensor) out.get(SuperClipModel.TEXT_EMBEDS)).getFloatBuffer().get(own, m * embedDim, m * embedDim);
            return collective.allGather(own);
        }
    }

    /** Feeds the summed gradients to the injection model (with one row of data: its features are not needed). */
    private void inject(Batch b, float loss, float decay) throws OrtException {
        int at = 0;
        for (String name : trainable) {
            FloatBuffer g = evalValues.get(name);
            g.clear();
            g.put(reduced, at, g.capacity());
            g.clear();
            at += g.capacity();
        }
        stepLossValue.put(0, loss);
        decayValue.put(0, decay);
        runInjection(b, 1).close();
    }

    private StepOutputs runInjection(Batch b, int rows) throws OrtException {
        Map<String, OnnxTensor> in = new HashMap<>(injectionScalars);
        try {
            inputs.putPixelsAndIds(in, b, rows);
            for (String name : trainable) {
                in.put(name, evalOut.get(name)); // the gradient outputs' tensors, fed back in
            }
            return session.trainStep(in);
        } finally {
            for (String fed : List.of(SuperClipModel.PIXELS, SuperClipModel.INPUT_IDS)) {
                OnnxTensor t = in.get(fed);
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    private void zeroGradients() {
        for (String name : trainable) {
            FloatBuffer g = evalValues.get(name);
            for (int i = 0, n = g.capacity(); i < n; i++) {
                g.put(i, 0f);
            }
        }
    }

    /** Image ([0]) or text ([1]) rows of every worker's features, in rank order. */
    private float[] half(float[][] features, int which) {
        int total = 0;
        for (float[] f : features) {
            total += f.length / 2;
        }
        float[] out = new float[total];
        int at = 0;
        for (float[] f : features) {
            int n = f.length / 2;
            System.arraycopy(f, which * n, out, at, n);
            at += n;
        }
        return out;
    }

    /**
     * Every worker's caption rows (sorted distinct ids) of this step, all-gathered: the IDF statistics then see the
     * global batch on every worker. A row travels as its length then its ids (exact as floats below 2^24).
     */
    private int[][] allGatherCaptions(int[][][] perMicro) {
        int length = 0;
        for (int[][] rows : perMicro) {
            for (int[] row : rows) {
                length += 1 + row.length;
            }
        }
        float[] own = new float[length];
        int at = 0;
        for (int[][] rows : perMicro) {
            for (int[] row : rows) {
                own[at++] = row.length;
                for (int id : row) {
                    own[at++] = id;
                }
            }
        }
        List<int[]> global = new ArrayList<>();
        for (float[] block : collective.allGather(own)) {
            for (int i = 0; i < block.length;) {
                int[] row = new int[(int) block[i++]];
                for (int j = 0; j < row.length; j++) {
                    row[j] = (int) block[i++];
                }
                global.add(row);
            }
        }
        return global.toArray(int[][]::new);
    }

    private float scalar(String name) {
        return evalValues.get(name).get(0);
    }

    @Override
    public void close() {
        if (steps > 0) {
            LOG.info(String.format("worker %d of %d, %d steps, seconds per step: features %.4f, gradients %.4f,"
                    + " all-reduce %.4f, injection and optimizer %.4f", collective.rank(), collective.size(), steps,
                    phaseNanos[0] / 1e9 / steps, phaseNanos[1] / 1e9 / steps, phaseNanos[2] / 1e9 / steps,
                    phaseNanos[3] / 1e9 / steps));
        }
        evalOut.values().forEach(OnnxTensor::close);
        gradientScalars.values().forEach(OnnxTensor::close);
        injectionScalars.values().forEach(OnnxTensor::close);
    }
}
