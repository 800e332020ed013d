package ai.superclip.artifacts;

/**
 * AdamW hyper-parameters (PyTorch semantics). Weight decay is decoupled and applies only to parameters
 * declared with decay (weight matrices); see {@link TrainingArtifacts} for how. {@code maxGradientNorm} > 0
 * clips the global gradient L2 norm before each update (0: no clipping).
 */
public record AdamW(float beta1, float beta2, float epsilon, float weightDecay, float maxGradientNorm) {

    /** Without gradient clipping. */
    public AdamW(float beta1, float beta2, float epsilon, float weightDecay) {
        this(beta1, beta2, epsilon, weightDecay, 0f);
    }

    public AdamW {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("AdamW betas must lie in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("AdamW epsilon must be positive, got " + epsilon);
        }
        if (!(maxGradientNorm >= 0)) {
            throw new IllegalArgumentException("max gradient norm must be >= 0 (0 = off), got " + maxGradientNorm);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("AdamW weight decay must be >= 0, got " + weightDecay);
        }
    }

    /** torch.optim.AdamW's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public static AdamW defaults() {
        return new AdamW(0.9f, 0.999f, 1e-8f, 0.01f);
    }
}
