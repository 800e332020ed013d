package ai.superclip.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * An independent CLIP forward in float64, written from transformers' {@code modeling_clip.py} ({@code CLIPModel}):
 * separate q/k/v projections with q scaled by head_dim^-0.5 after projecting, pre-LN encoder layers
 * ({@code layer_norm1}, {@code self_attn}, {@code layer_norm2}, {@code mlp.fc1/fc2}), {@code hidden_act} and
 * {@code layer_norm_eps} from config.json, vision pooling at the class token through {@code post_layernorm},
 * text pooling at the first {@code eos_token_id}, projections without bias, L2 normalisation. It reads the
 * Hugging Face file by its own names and shares no code with the SDK's mapping.
 */
final class HfClipReference {
    private final SafeTensors w;
    private final JsonNode vision;
    private final JsonNode text;

    HfClipReference(Path dir) throws IOException {
        this.w = SafeTensors.read(dir.resolve("model.safetensors"));
        JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        this.vision = config.get("vision_config");
        this.text = config.get("text_config");
    }

    /** Image embeddings [B, E] of normalised pixels [B, 3, S, S]. */
    double[][] images(float[] pixels, int batch) {
        int size = vision.get("image_size").asInt();
        int patch = vision.get("patch_size").asInt();
        int width = vision.get("hidden_size").asInt();
        int grid = size / patch;
        double[] conv = get("vision_model.embeddings.patch_embedding.weight"); // [W, 3, p, p]
        double[] cls = get("vision_model.embeddings.class_embedding");
        double[] pos = get("vision_model.embeddings.position_embedding.weight");
        double[][] out = new double[batch][];
        for (int b = 0; b < batch; b++) {
            double[][] x = new double[grid * grid + 1][width];
            x[0] = cls.clone();
            for (int gy = 0; gy < grid; gy++) {
                for (int gx = 0; gx < grid; gx++) {
                    double[] token = x[1 + gy * grid + gx];
                    for (int o = 0; o < width; o++) {
                        double s = 0;
                        for (int c = 0; c < 3; c++) {
                            for (int i = 0; i < patch; i++) {
                                for (int j = 0; j < patch; j++) {
                                    s += conv[((o * 3 + c) * patch + i) * patch + j]
                                            * pixels[((b * 3 + c) * size + gy * patch + i) * size + gx * patch + j];
                                }
                            }
                        }
                        token[o] = s;
                    }
                }
            }
            for (int t = 0; t < x.length; t++) {
                for (int d = 0; d < width; d++) {
                    x[t][d] += pos[t * width + d];
                }
            }
            x = layerNorm(x, "vision_model.pre_layrnorm", vision);
            x = encoder(x, "vision_model.encoder", vision, false);
            double[] pooled = layerNorm(new double[][] {x[0]}, "vision_model.post_layernorm", vision)[0];
            out[b] = normalize(linear(pooled, "visual_projection.weight", null));
        }
        return out;
    }

    /** Text embeddings [B, E] of token ids [B, L]. */
    double[][] texts(long[][] ids) {
        int width = text.get("hidden_size").asInt();
        int eos = text.get("eos_token_id").asInt();
        double[] table = get("text_model.embeddings.token_embedding.weight");
        double[] pos = get("text_model.embeddings.position_embedding.weight");
        double[][] out = new double[ids.length][];
        for (int b = 0; b < ids.length; b++) {
            int length = ids[b].length;
            double[][] x = new double[length][width];
            for (int t = 0; t < length; t++) {
                for (int d = 0; d < width; d++) {
                    x[t][d] = table[(int) ids[b][t] * width + d] + pos[t * width + d];
                }
            }
            x = encoder(x, "text_model.encoder", text, true);
            x = layerNorm(x, "text_model.final_layer_norm", text);
            int at = 0;
            while (ids[b][at] != eos) {
                at++;
            }
            out[b] = normalize(linear(x[at], "text_projection.weight", null));
        }
        return out;
    }

    private double[][] encoder(double[][] x, String prefix, JsonNode cfg, boolean causal) {
        int layers = cfg.get("num_hidden_layers").asInt();
        for (int l = 0; l < layers; l++) {
            String p = prefix + ".layers." + l;
            double[][] h = attention(layerNorm(x, p + ".layer_norm1", cfg), p + ".self_attn", cfg, causal);
            x = add(x, h);
            double[][] n = layerNorm(x, p + ".layer_norm2", cfg);
            double[][] m = new double[n.length][];
            for (int t = 0; t < n.length; t++) {
                double[] f = linear(n[t], p + ".mlp.fc1.weight", p + ".mlp.fc1.bias");
                for (int i = 0; i < f.length; i++) {
                    f[i] = activation(f[i], cfg.get("hidden_act").asText());
                }
                m[t] = linear(f, p + ".mlp.fc2.weight", p + ".mlp.fc2.bias");
            }
            x = add(x, m);
        }
        return x;
    }

    private double[][] attention(double[][] x, String p, JsonNode cfg, boolean causal) {
        int heads = cfg.get("num_attention_heads").asInt();
        int width = cfg.get("hidden_size").asInt();
        int hd = width / heads;
        double scale = Math.pow(hd, -0.5);
        int t = x.length;
        double[][] q = new double[t][];
        double[][] k = new double[t][];
        double[][] v = new double[t][];
        for (int i = 0; i < t; i++) {
            q[i] = linear(x[i], p + ".q_proj.weight", p + ".q_proj.bias");
            for (int d = 0; d < width; d++) {
                q[i][d] *= scale;
            }
            k[i] = linear(x[i], p + ".k_proj.weight", p + ".k_proj.bias");
            v[i] = linear(x[i], p + ".v_proj.weight", p + ".v_proj.bias");
        }
        double[][] context = new double[t][width];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < t; i++) {
                double[] s = new double[t];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < t; j++) {
                    s[j] = Double.NEGATIVE_INFINITY;
                    if (!causal || j <= i) {
                        double dot = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += q[i][h * hd + d] * k[j][h * hd + d];
                        }
                        s[j] = dot;
                    }
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < t; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int j = 0; j < t; j++) {
                    for (int d = 0; d < hd; d++) {
                        context[i][h * hd + d] += s[j] / sum * v[j][h * hd + d];
                    }
                }
            }
        }
        double[][] out = new double[t][];
        for (int i = 0; i < t; i++) {
            out[i] = linear(context[i], p + ".out_proj.weight", p + ".out_proj.bias");
        }
        return out;
    }

    private double[][] layerNorm(double[][] x, String p, JsonNode cfg) {
        double eps = cfg.get("layer_norm_eps").asDouble();
        double[] gamma = get(p + ".weight");
        double[] beta = get(p + ".bias");
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            int n = x[t].length;
            double mean = 0;
            for (double v : x[t]) {
                mean += v / n;
            }
            double var = 0;
            for (double v : x[t]) {
                var += (v - mean) * (v - mean) / n;
            }
            out[t] = new double[n];
            for (int d = 0; d < n; d++) {
                out[t][d] = (x[t][d] - mean) / Math.sqrt(var + eps) * gamma[d] + beta[d];
            }
        }
        return out;
    }

    /** x Wᵀ + b with W [out, in] as stored by torch.nn.Linear. */
    private double[] linear(double[] x, String weight, String bias) {
        double[] wt = get(weight);
        int in = x.length;
        int outs = wt.length / in;
        double[] b = bias == null ? new double[outs] : get(bias);
        double[] y = new double[outs];
        for (int o = 0; o < outs; o++) {
            double s = b[o];
            for (int i = 0; i < in; i++) {
                s += wt[o * in + i] * x[i];
            }
            y[o] = s;
        }
        return y;
    }

    private static double activation(double x, String name) {
        return switch (name) {
            case "quick_gelu" -> x / (1 + Math.exp(-1.702 * x));
            case "gelu" -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** erf by its Maclaurin series (|z| < 3) or the asymptotic series of erfc (|z| >= 3), both to about 1e-12. */
    static double erf(double z) {
        double a = Math.abs(z);
        double r;
        if (a < 3) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 100 && Math.abs(term) > 1e-17; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double term = 1;
            double sum = 1;
            for (int n = 1; n < 9; n++) {
                term *= -(2 * n - 1) / (2 * a * a);
                sum += term;
            }
            r = 1 - Math.exp(-a * a) / (a * Math.sqrt(Math.PI)) * sum;
        }
        return Math.copySign(r, z);
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                c[i][j] = a[i][j] + b[i][j];
            }
        }
        return c;
    }

    private static double[] normalize(double[] v) {
        double n = 0;
        for (double x : v) {
            n += x * x;
        }
        double norm = Math.sqrt(n);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / norm;
        }
        return out;
    }

    private double[] get(String name) {
        float[] f = w.floats(name);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
