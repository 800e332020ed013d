package ai.superclip.train;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.superclip.artifacts.TrainingArtifacts;
import ai.superclip.data.Batch;
import ai.superclip.model.ModelConfig;
import ai.superclip.model.SuperClipModel;
import ai.superclip.runtime.OrtRuntime;
import ai.superclip.runtime.TrainingSession;
import ai.superclip.tokenization.IdfStatistics;
import ai.superclip.tokenization.TokenTargets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One optimizer step of the training objective on an open {@link TrainingSession}. The step's k micro-batches first
 * update the online IDF statistics once with all their captions (the reference's global batch of k·m); then each
 * micro-batch runs forward and backward with its images, token ids and IDF-weighted sparse token targets; a finite
 * loss steps AdamW at the step's learning rate, a non-finite one drops the gradients. The scalar inputs and the
 * outputs are tensors over direct buffers made once; per micro-batch only the batch tensors, views over the
 * loader's pooled buffers, are made.
 */
final class StepRunner implements StepExecutor {

    /** What one step measured: the loss terms averaged over its micro-batches, the temperature, samples fed. */
    record Outcome(double loss, double clipLoss, double clsLoss, double scale, int samples, boolean finite) {
    }

    private final OrtEnvironment env = OrtRuntime.environment();
    private final TrainingSession session;
    private final StepInputs inputs;
    private final int accumulation;
    private final boolean superclip;
    private final float weightDecay;
    private final FloatBuffer decayValue = directFloats(1);
    private final Map<String, OnnxTensor> in = new HashMap<>();
    private final List<String> batchInputs;
    private final OnnxTensor gradientScale;
    private final OnnxTensor decayTensor;
    private final PinnedScalars out;

    /**
     * @param targetCaptions the loader buffer whose token ids the classification term reads (the captions', or the
     *                       classification captions' in DualCaption training)
     */
    StepRunner(TrainingSession session, ModelConfig model, int batchSize, int accumulation, int context,
            TokenTargets targets, String targetCaptions) throws OrtException {
        this.session = session;
        this.inputs = new StepInputs(model, context, targets, targetCaptions, batchSize);
        this.accumulation = accumulation;
        this.superclip = model.loss() == ModelConfig.Loss.SUPERCLIP;
        this.weightDecay = model.adamW().weightDecay();
        this.batchInputs = superclip
                ? List.of(SuperClipModel.PIXELS, SuperClipModel.INPUT_IDS, SuperClipModel.CLS_TARGET_IDS,
                        SuperClipModel.CLS_TARGET_WEIGHTS)
                : List.of(SuperClipModel.PIXELS, SuperClipModel.INPUT_IDS);
        this.gradientScale = OnnxTensor.createTensor(env, new float[] {1f / accumulation});
        OnnxTensor decay = null;
        try {
            decay = OnnxTensor.createTensor(env, decayValue, new long[] {1});
            this.out = new PinnedScalars(env, session.trainOutputNames());
        } catch (OrtException | RuntimeException e) {
            gradientScale.close();
            if (decay != null) {
                decay.close();
            }
            throw e;
        }
        this.decayTensor = decay;
        in.put(TrainingArtifacts.GRADIENT_SCALE_INPUT, gradientScale);
        if (session.trainInputNames().contains(TrainingArtifacts.WEIGHT_DECAY_INPUT)) {
            in.put(TrainingArtifacts.WEIGHT_DECAY_INPUT, decayTensor);
        }
    }

    @Override
    public Outcome step(List<Batch> micros, double lr, IdfStatistics idf) throws OrtException {
        int k = accumulation;
        int[][][] captionIds = superclip ? inputs.captions(micros) : null;
        int stepCaptions = micros.stream().mapToInt(Batch::size).sum();
        if (superclip) {
            idf.update(concat(captionIds, stepCaptions));
        }
        double loss = 0;
        double clip = 0;
        double cls = superclip ? 0 : Double.NaN;
        double scale = Double.NaN;
        int samples = 0;
        boolean finite = true;
        for (int micro = 0; micro < k; micro++) {
            decayValue.put(0, micro == k - 1 ? (float) (lr * weightDecay) : 0f);
            Batch b = micros.get(micro);
            int n = b.size();
            try {
                inputs.putPixelsAndIds(in, b, n);
                if (superclip) {
                    inputs.putTargets(in, idf, captionIds[micro], stepCaptions, n);
                }
                session.trainStep(in, out.tensors);
                float l = out.get(TrainingArtifacts.LOSS);
                finite &= Float.isFinite(l);
                loss += l / k;
                clip += out.get(SuperClipModel.CLIP_LOSS) / k;
                if (superclip) {
                    cls += out.get(SuperClipModel.CLS_LOSS) / k;
                }
                scale = out.get(SuperClipModel.SCALE);
            } finally {
                for (String name : batchInputs) {
                    OnnxTensor fed = in.remove(name);
                    if (fed != null) {
                        fed.close();
                    }
                }
            }
            samples += n;
        }
        if (finite) {
            session.setLearningRate((float) lr);
            session.optimizerStep();
        }
        session.lazyResetGrad();
        return new Outcome(loss, clip, cls, scale, samples, finite);
    }

    @Override
    public void close() {
        out.close();
        decayTensor.close();
        gradientScale.close();
    }

    /** The rows of {@code parts}, {@code count} in all, in order. */
    private static int[][] concat(int[][][] parts, int count) {
        int[][] all = new int[count][];
        int at = 0;
        for (int[][] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /** A view of the first {@code count} elements of {@code buffer} (0 means all), independent of its position. */
    static LongBuffer rows(LongBuffer buffer, int count) {
        LongBuffer d = buffer.duplicate();
        d.clear();
        if (count > 0) {
            d.limit(count);
        }
        return d.slice();
    }

    static FloatBuffer rows(FloatBuffer buffer, int count) {
        FloatBuffer d = buffer.duplicate();
        d.clear();
        d.limit(count);
        return d.slice();
    }

    static FloatBuffer directFloats(int count) {
        return ByteBuffer.allocateDirect(count * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /**
     * The training outputs (loss terms and the temperature, all float scalars) pinned: tensors over direct buffers,
     * made once and written by every step, so that a step allocates no outputs.
     */
    private static final class PinnedScalars implements AutoCloseable {
        final Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        private final Map<String, FloatBuffer> values = new HashMap<>();

        PinnedScalars(OrtEnvironment env, List<String> names) throws OrtException {
            try {
                for (String name : names) {
                    FloatBuffer value = directFloats(1);
                    values.put(name, value);
                    tensors.put(name, OnnxTensor.createTensor(env, value, new long[0]));
                }
            } catch (OrtException | RuntimeException e) {
                close();
                throw e;
            }
        }

        float get(String name) {
            return values.get(name).get(0);
        }

        @Override
        public void close() {
            tensors.values().forEach(OnnxTensor::close);
        }
    }
}
