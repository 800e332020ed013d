package ai.superclip.bench;

import ai.superclip.model.ModelConfig;
import ai.superclip.tokenization.ClipTokenizer;
import ai.superclip.tokenization.TokenTargets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One fixed batch in direct buffers, the way the SDK's loader hands it over: normalised pixels, CLIP token ids of
 * generated captions, and the L1-normalised multi-hot token targets of the SuperCLIP head (dense for libtorch,
 * sparse ids and weights for the ONNX graph).
 */
public final class SyntheticInputs {
    private static final String[] COLORS = {"red", "green", "blue", "yellow", "purple", "black", "orange", "white"};
    private static final String[] SHAPES = {"circle", "square", "triangle", "star", "cross", "hexagon"};
    private static final String[] PLACES = {"on the left", "on the right", "at the top", "at the bottom", "in the middle"};
    private static final String[] EXTRAS = {"on a white background", "next to a small dotted shape",
        "drawn with thick striped lines", "above a large solid square", ""};

    public final int batch;
    public final FloatBuffer pixels;
    public final LongBuffer ids;
    public final FloatBuffer targets;
    public final LongBuffer targetIds;
    public final FloatBuffer targetWeights;

    public SyntheticInputs(ModelConfig config, ClipTokenizer tokenizer, int batch, long seed) {
        this.batch = batch;
        Random r = new Random(seed);
        int s = config.vision().imageSize();
        pixels = floats(batch * 3 * s * s);
        for (int i = 0; i < pixels.capacity(); i++) {
            pixels.put(i, (float) r.nextGaussian());
        }
        List<String> captions = captions(batch, r);
        int l = tokenizer.contextLength();
        ids = ByteBuffer.allocateDirect(batch * l * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
        tokenizer.encodeBatch(captions, ids);
        ids.rewind();
        int vocab = config.text().vocabSize();
        targets = floats(batch * vocab);
        TokenTargets tt = TokenTargets.of(tokenizer, true);
        int[][] sparse = tt.sparse(ids.duplicate());
        targetIds = ByteBuffer.allocateDirect(batch * l * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
        targetWeights = floats(batch * l);
        for (int i = 0; i < batch; i++) {
            for (int k = 0; k < sparse[i].length; k++) {
                targets.put(i * vocab + sparse[i][k], 1f / sparse[i].length);
                targetIds.put(i * l + k, sparse[i][k]);
                targetWeights.put(i * l + k, 1f / sparse[i].length);
            }
        }
    }

    /** {@code n} generated captions of 6 to 20 words. */
    public static List<String> captions(int n, Random r) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add("a photo of a " + COLORS[r.nextInt(COLORS.length)] + " " + SHAPES[r.nextInt(SHAPES.length)] + " "
                    + PLACES[r.nextInt(PLACES.length)] + " " + EXTRAS[r.nextInt(EXTRAS.length)]);
        }
        return out;
    }

    static FloatBuffer floats(int n) {
        return ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
