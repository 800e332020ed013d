package ai.superclip.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.superclip.graph.Parameter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every parameter's weight-decay group and initialiser against the reference (hustvl/SuperCLIP, an open_clip fork):
 * the decay rule of {@code training/main.py} and the initialisation of {@code transformer.py}'s
 * {@code VisionTransformer} (PyTorch module defaults), {@code TextTransformer.init_parameters} and {@code MixClsHead}.
 */
class ReferenceParametersTest {

    @Test
    void weightDecayGroupsAreOpenClips() {
        for (String preset : Presets.NAMES) {
            List<String> decayed = new ArrayList<>();
            for (Parameter p : SuperClipModel.training(Presets.get(preset)).graph().parameters()) {
                // main.py: exclude = lambda n, p: p.ndim < 2 or "bn" in n or "ln" in n or "bias" in n or 'logit_scale' in n
                String n = p.name();
                boolean exclude = p.shape().length < 2 || n.contains("bn") || n.contains("ln") || n.contains("bias")
                        || n.contains("logit_scale");
                assertEquals(!exclude, p.decay(), preset + " " + n);
                if (p.decay()) {
                    decayed.add(n);
                }
            }
            assertTrue(decayed.containsAll(List.of("visual.positional_embedding", "positional_embedding",
                    "visual.conv1.weight", "token_embedding.weight", "superclip_head.fc.weight")), preset + ": " + decayed);
            assertTrue(!decayed.contains("visual.class_embedding") && !decayed.contains("logit_scale"), preset);
        }
    }

    /** Draws every parameter of a preset and compares its distribution with the reference's initialiser. */
    @Test
    void initialisersAreTheReferences() {
        ModelConfig config = Presets.get("small");
        int checked = 0;
        for (Parameter p : SuperClipModel.training(config).graph().parameters()) {
            float[] v = p.initialValue(11);
            Expected e = expected(p.name(), config);
            switch (e.kind) {
                case CONSTANT -> {
                    for (float x : v) {
                        assertEquals((float) e.value, x, p.name());
                    }
                }
                case NORMAL -> {
                    assertEquals(1, std(v) / e.value, tolerance(v.length), p.name() + " std");
                    assertTrue(maxAbs(v) > 2.5 * e.value, p.name() + ": normal tails, not uniform");
                }
                case UNIFORM -> {
                    assertEquals(1, std(v) / (e.value / Math.sqrt(3)), tolerance(v.length), p.name() + " std");
                    assertTrue(maxAbs(v) <= e.value && maxAbs(v) > 0.9 * e.value, p.name() + ": uniform on ±" + e.value);
                }
            }
            checked++;
        }
        assertEquals(SuperClipModel.training(config).graph().parameters().size(), checked);
    }

    private enum Kind { CONSTANT, NORMAL, UNIFORM }

    /** A constant value, a normal's std, or a uniform's bound. */
    private record Expected(Kind kind, double value) {
    }

    /** The reference's initialiser of each parameter, written from its module definitions. */
    private static Expected expected(String name, ModelConfig config) {
        if (name.equals("logit_scale")) {
            return new Expected(Kind.CONSTANT, Math.log(1 / 0.07));
        }
        if (name.contains("ln_") || name.contains(".norm.")) { // LayerNorm: ones and zeros
            return new Expected(Kind.CONSTANT, name.endsWith("weight") ? 1 : 0);
        }
        if (name.endsWith("in_proj_bias") || name.endsWith("out_proj.bias") || name.equals("superclip_head.fc.bias")) {
            return new Expected(Kind.CONSTANT, 0); // nn.MultiheadAttention._reset_parameters; MixClsHead fills 0
        }
        boolean visual = name.startsWith("visual.");
        int width = visual ? config.vision().width() : config.text().width();
        int layers = visual ? config.vision().layers() : config.text().layers();
        int mlp = visual ? config.vision().mlpWidth() : config.text().mlpWidth();
        // nn.Linear's biases (both towers: TextTransformer.init_parameters only redraws weights)
        if (name.endsWith("c_fc.bias")) {
            return new Expected(Kind.UNIFORM, 1 / Math.sqrt(width));
        }
        if (name.endsWith("c_proj.bias")) {
            return new Expected(Kind.UNIFORM, 1 / Math.sqrt(mlp));
        }
        if (visual) {
            int patch = config.vision().patchSize();
            int vision = config.vision().width();
            return switch (name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1)) {
                case "conv1.weight" -> new Expected(Kind.UNIFORM, 1 / Math.sqrt(3.0 * patch * patch));
                case "visual.class_embedding", "visual.positional_embedding", "visual.proj" ->
                        new Expected(Kind.NORMAL, Math.pow(vision, -0.5));
                case "attn.in_proj_weight" -> new Expected(Kind.UNIFORM, Math.sqrt(6.0 / (width + 3 * width))); // xavier
                case "out_proj.weight", "c_fc.weight" -> new Expected(Kind.UNIFORM, 1 / Math.sqrt(width));
                case "c_proj.weight" -> new Expected(Kind.UNIFORM, 1 / Math.sqrt(mlp));
                default -> throw new AssertionError("no reference initialiser for " + name);
            };
        }
        double projStd = Math.pow(width, -0.5) * Math.pow(2.0 * layers, -0.5);
        return switch (name.substring(name.lastIndexOf('.', Math.max(0, name.lastIndexOf('.') - 1)) + 1)) {
            case "token_embedding.weight" -> new Expected(Kind.NORMAL, 0.02);
            case "positional_embedding" -> new Expected(Kind.NORMAL, 0.01);
            case "text_projection", "attn.in_proj_weight" -> new Expected(Kind.NORMAL, Math.pow(width, -0.5));
            case "out_proj.weight", "c_proj.weight" -> new Expected(Kind.NORMAL, projStd);
            case "c_fc.weight" -> new Expected(Kind.NORMAL, Math.pow(2.0 * width, -0.5));
            case "fc.weight" -> new Expected(Kind.NORMAL, Math.pow(config.vision().width(), -0.5)); // the head
            default -> throw new AssertionError("no reference initialiser for " + name);
        };
    }

    /** Five standard errors of a sample standard deviation, relative. */
    private static double tolerance(int n) {
        return 5 / Math.sqrt(2.0 * n);
    }

    private static double std(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum / v.length);
    }

    private static double maxAbs(float[] v) {
        double max = 0;
        for (float x : v) {
            max = Math.max(max, Math.abs(x));
        }
        return max;
    }
}
