package ai.superclip.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import ai.superclip.oracle.TorchOracle.Activation;
import ai.superclip.oracle.TorchOracle.Config;
import ai.superclip.oracle.TorchOracle.LossKind;
import ai.superclip.oracle.TorchOracle.Result;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the oracle itself, independently of the project's code: its autograd gradients against
 * central finite differences of its own float64 losses, on tiny models, for a random sample of
 * entries of every parameter.
 */
class TorchOracleTest {

    private static final int ENTRIES_PER_TENSOR = 3;
    private static final double STEP = 1e-5;
    private static final double TOLERANCE = 1e-6;
    /**
     * Relative errors are taken against max(|analytic|, |numeric|, FLOOR): below FLOOR the check is
     * absolute (1e-9), since an exactly-zero gradient (the key bias) has ~1e-11 of rounding noise.
     */
    private static final double FLOOR = 1e-3;

    private static TorchOracle oracle;

    @BeforeAll
    static void start() {
        oracle = new TorchOracle();
    }

    @AfterAll
    static void stop() {
        oracle.close();
    }

    @Test
    void classifierGradientsMatchFiniteDifferences() {
        for (boolean causal : new boolean[] {true, false}) {
            Activation act = causal ? Activation.GELU : Activation.QUICK_GELU;
            Random rnd = new Random(causal ? 1 : 2);
            int b = 3, t = 4, d = 8, c = 5, heads = 2;
            Map<String, OracleTensor> params = new LinkedHashMap<>();
            for (int i = 0; i < 2; i++) {
                addBlock(params, "resblocks." + i + ".", d, 3 * d, rnd);
            }
            addLayerNorm(params, "ln_final.", d, rnd);
            params.put("head.weight", normal(rnd, 0.4, c, d));
            params.put("head.bias", normal(rnd, 0.1, c));
            OracleTensor x = normal(rnd, 1.0, b, t, d);
            OracleTensor y = softTargets(rnd, b, c);

            Result r = oracle.transformerClassifier(params, x, y, heads, causal, act);
            assertEquals(r.total(), r.cls());
            assertKeyBiasHasNoGradient(r, "resblocks.0.attn.in_proj_bias", d);
            double worst = checkParameters(params, r, rnd,
                    p -> oracle.transformerClassifier(p, x, y, heads, causal, act).total());
            for (int k = 0; k < 5; k++) {
                int i = rnd.nextInt(x.size());
                double numeric = centralDifference(v -> oracle.transformerClassifier(params, x.with(i, v), y, heads,
                        causal, act).total(), x.get(i));
                worst = Math.max(worst, compare("x[" + i + "]", r.inputGradient().get(i), numeric));
            }
            System.out.printf("classifier (causal=%s, %s): loss %.6f, worst relative error %.3e%n",
                    causal, act, r.total(), worst);
        }
    }

    @Test
    void superclipGradientsMatchFiniteDifferences() {
        Random rnd = new Random(3);
        Tiny m = new Tiny(rnd);
        Result r = oracle.superclip(m.params, m.images, m.ids, m.targets, m.cfg);
        assertEquals(r.clip() + m.cfg.lambda() * r.cls(), r.total(), 1e-12);
        double worst = checkParameters(m.params, r, rnd,
                p -> oracle.superclip(p, m.images, m.ids, m.targets, m.cfg).total());
        System.out.printf("superclip: total %.6f, clip %.6f, cls %.6f, worst relative error %.3e%n",
                r.total(), r.clip(), r.cls(), worst);
    }

    /**
     * Garbage collections while the oracle runs do not change its answer: no tensor that autograd saves for
     * the backward pass may live in memory that Java frees (DJL wraps Java direct buffers without copying, and
     * its {@code NDArray.mul/div(Number)} close such a wrapped scalar right after the forward operation).
     */
    @Test
    void garbageCollectionsDoNotChangeTheAnswer() throws InterruptedException {
        Tiny m = new Tiny(new Random(9));
        Result quiet = oracle.superclip(m.params, m.images, m.ids, m.targets, m.cfg);
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread collector = new Thread(() -> {
            while (running.get()) {
                System.gc();
            }
        });
        collector.setDaemon(true);
        collector.start();
        try {
            for (int call = 0; call < 5; call++) {
                Result r = oracle.superclip(m.params, m.images, m.ids, m.targets, m.cfg);
                assertEquals(quiet.total(), r.total(), 1e-12);
                for (Map.Entry<String, OracleTensor> e : quiet.gradients().entrySet()) {
                    assertArrayEquals(e.getValue().values(), r.gradients().get(e.getKey()).values(), 1e-12,
                            "call " + call + ": " + e.getKey());
                }
            }
        } finally {
            running.set(false);
            collector.join();
        }
    }

    @Test
    void clipLossLeavesTheHeadOut() {
        Tiny m = new Tiny(new Random(4));
        Result full = oracle.superclip(m.params, m.images, m.ids, m.targets, m.cfg);
        Config clipOnly = new Config(4, 2, 2, Activation.GELU, Activation.QUICK_GELU, LossKind.CLIP, 0.7);
        Result clip = oracle.superclip(m.params, m.images, m.ids, null, clipOnly);
        assertEquals(0, clip.cls());
        assertEquals(clip.total(), clip.clip());
        assertEquals(full.clip(), clip.clip(), 1e-12);
        assertArrayEquals(new double[8], clip.gradients().get("superclip_head.norm.weight").values());
        assertArrayEquals(new double[11 * 8], clip.gradients().get("superclip_head.fc.weight").values());
    }

    @Test
    void tokensAfterEndOfTextDoNotMatter() {
        Tiny m = new Tiny(new Random(5));
        double before = oracle.superclip(m.params, m.images, m.ids, m.targets, m.cfg).clip();
        m.ids[0][4] = 7; // row 0 ends at position 2: the causal mask hides position 4 from it
        double after = oracle.superclip(m.params, m.images, m.ids, m.targets, m.cfg).clip();
        assertEquals(before, after, 1e-14);
    }

    @Test
    void unusedParametersAreRejected() {
        Tiny m = new Tiny(new Random(8));
        m.params.put("resblocks.0.ln_1.weight", OracleTensor.zeros(8));
        assertThrows(IllegalArgumentException.class,
                () -> oracle.superclip(m.params, m.images, m.ids, m.targets, m.cfg));
    }

    @Test
    void float32AgreesWithFloat64() {
        Tiny m = new Tiny(new Random(7));
        Result wide = oracle.superclip(m.params, m.images, m.ids, m.targets, m.cfg);
        try (TorchOracle narrow = new TorchOracle(DataType.FLOAT32)) {
            Result r = narrow.superclip(m.params, m.images, m.ids, m.targets, m.cfg);
            assertEquals(wide.total(), r.total(), 1e-5);
            double[] expected = wide.gradients().get("visual.conv1.weight").values();
            double[] actual = r.gradients().get("visual.conv1.weight").values();
            assertArrayEquals(expected, actual, 1e-5);
        }
    }

    @Test
    void logitScaleIsNotClampedInTheForward() {
        Tiny m = new Tiny(new Random(6));
        m.params.put("logit_scale", new OracleTensor(new long[0], new double[] {Math.log(200)}));
        Result r = oracle.superclip(m.params, m.images, m.ids, m.targets, m.cfg);
        assertTrue(r.gradients().get("logit_scale").get(0) != 0);
    }

    /**
     * Softmax ignores a shift shared by a row of scores, so the key bias (the middle third of
     * {@code in_proj_bias}) has a zero gradient while the query and value biases do not: this pins
     * the q, k, v order.
     */
    private static void assertKeyBiasHasNoGradient(Result r, String name, int d) {
        OracleTensor g = r.gradients().get(name);
        for (int part = 0; part < 3; part++) {
            double norm = 0;
            for (int i = part * d; i < (part + 1) * d; i++) {
                norm += Math.abs(g.get(i));
            }
            assertEquals(part == 1, norm < 1e-12, name + " part " + part + " has |g| = " + norm);
        }
    }

    /** A tiny SuperCLIP: S=8, patch 4, widths 8, 2 layers per tower, L=5, V=11, embed 6, B=3. */
    private static final class Tiny {
        final Map<String, OracleTensor> params = new LinkedHashMap<>();
        final OracleTensor images;
        final long[][] ids = {{9, 3, 10, 0, 0}, {9, 10, 0, 0, 0}, {9, 4, 4, 6, 10}};
        final OracleTensor targets;
        final Config cfg = new Config(4, 2, 2, Activation.GELU, Activation.QUICK_GELU, LossKind.SUPERCLIP, 0.7);

        Tiny(Random rnd) {
            int w = 8, e = 6, v = 11, l = 5, tokens = 1 + 4;
            params.put("visual.conv1.weight", normal(rnd, 0.2, w, 3, 4, 4));
            params.put("visual.class_embedding", normal(rnd, 0.5, w));
            params.put("visual.positional_embedding", normal(rnd, 0.5, tokens, w));
            addLayerNorm(params, "visual.ln_pre.", w, rnd);
            for (int i = 0; i < 2; i++) {
                addBlock(params, "visual.transformer.resblocks." + i + ".", w, 4 * w, rnd);
            }
            addLayerNorm(params, "visual.ln_post.", w, rnd);
            params.put("visual.proj", normal(rnd, 0.4, w, e));
            params.put("token_embedding.weight", normal(rnd, 0.5, v, w));
            params.put("positional_embedding", normal(rnd, 0.5, l, w));
            for (int i = 0; i < 2; i++) {
                addBlock(params, "transformer.resblocks." + i + ".", w, 2 * w, rnd);
            }
            addLayerNorm(params, "ln_final.", w, rnd);
            params.put("text_projection", normal(rnd, 0.4, w, e));
            params.put("logit_scale", new OracleTensor(new long[0], new double[] {Math.log(1 / 0.07)}));
            addLayerNorm(params, "superclip_head.norm.", w, rnd);
            params.put("superclip_head.fc.weight", normal(rnd, 0.4, v, w));
            params.put("superclip_head.fc.bias", normal(rnd, 0.1, v));
            images = normal(rnd, 1.0, 3, 3, 8, 8);
            double[] y = new double[ids.length * v];
            for (int i = 0; i < ids.length; i++) {
                for (long id : ids[i]) {
                    y[i * v + (int) id] = 1;
                }
            }
            targets = rowNormalised(new OracleTensor(new long[] {ids.length, v}, y));
        }
    }

    /** Compares {@link #ENTRIES_PER_TENSOR} random entries of every gradient; returns the worst error. */
    private static double checkParameters(Map<String, OracleTensor> params, Result r, Random rnd,
                                          Function<Map<String, OracleTensor>, Double> loss) {
        double worst = 0;
        for (Map.Entry<String, OracleTensor> e : params.entrySet()) {
            String name = e.getKey();
            OracleTensor p = e.getValue();
            OracleTensor g = r.gradients().get(name);
            assertArrayEquals(p.shape(), g.shape(), name);
            assertTrue(Arrays.stream(g.values()).anyMatch(v -> v != 0), name + " has an all-zero gradient");
            for (int k = 0; k < Math.min(ENTRIES_PER_TENSOR, p.size()); k++) {
                int i = rnd.nextInt(p.size());
                double numeric = centralDifference(v -> {
                    Map<String, OracleTensor> moved = new LinkedHashMap<>(params);
                    moved.put(name, p.with(i, v));
                    return loss.apply(moved);
                }, p.get(i));
                worst = Math.max(worst, compare(name + "[" + i + "]", g.get(i), numeric));
            }
        }
        return worst;
    }

    private static double centralDifference(Function<Double, Double> f, double at) {
        return (f.apply(at + STEP) - f.apply(at - STEP)) / (2 * STEP);
    }

    private static double compare(String what, double analytic, double numeric) {
        double err = Math.abs(analytic - numeric) / Math.max(FLOOR, Math.max(Math.abs(analytic), Math.abs(numeric)));
        assertTrue(err < TOLERANCE, what + ": autograd " + analytic + " vs finite difference " + numeric);
        return err;
    }

    private static void addBlock(Map<String, OracleTensor> params, String p, int d, int mlp, Random rnd) {
        addLayerNorm(params, p + "ln_1.", d, rnd);
        params.put(p + "attn.in_proj_weight", normal(rnd, 0.4, 3 * d, d));
        params.put(p + "attn.in_proj_bias", normal(rnd, 0.1, 3 * d));
        params.put(p + "attn.out_proj.weight", normal(rnd, 0.3, d, d));
        params.put(p + "attn.out_proj.bias", normal(rnd, 0.1, d));
        addLayerNorm(params, p + "ln_2.", d, rnd);
        params.put(p + "mlp.c_fc.weight", normal(rnd, 0.4, mlp, d));
        params.put(p + "mlp.c_fc.bias", normal(rnd, 0.1, mlp));
        params.put(p + "mlp.c_proj.weight", normal(rnd, 0.3, d, mlp));
        params.put(p + "mlp.c_proj.bias", normal(rnd, 0.1, d));
    }

    private static void addLayerNorm(Map<String, OracleTensor> params, String p, int d, Random rnd) {
        double[] w = normal(rnd, 0.2, d).values();
        for (int i = 0; i < d; i++) {
            w[i] += 1;
        }
        params.put(p + "weight", new OracleTensor(new long[] {d}, w));
        params.put(p + "bias", normal(rnd, 0.1, d));
    }

    private static OracleTensor normal(Random rnd, double std, long... shape) {
        OracleTensor t = OracleTensor.zeros(shape);
        double[] v = new double[t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = std * rnd.nextGaussian();
        }
        return new OracleTensor(shape, v);
    }

    private static OracleTensor softTargets(Random rnd, int b, int c) {
        double[] v = new double[b * c];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextDouble();
        }
        return rowNormalised(new OracleTensor(new long[] {b, c}, v));
    }

    private static OracleTensor rowNormalised(OracleTensor t) {
        long[] shape = t.shape();
        int rows = (int) shape[0], cols = (int) shape[1];
        double[] v = t.values();
        for (int i = 0; i < rows; i++) {
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += v[i * cols + j];
            }
            for (int j = 0; j < cols; j++) {
                v[i * cols + j] /= sum;
            }
        }
        return new OracleTensor(shape, v);
    }
}
