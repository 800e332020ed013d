package ai.superclip.eval;

import ai.superclip.inference.Embeddings;
import java.util.stream.IntStream;

/**
 * Multinomial logistic regression with a bias and an L2 penalty on the weights (not on the bias), fitted
 * by {@link Lbfgs} from zero. It minimises the convex objective
 * <pre>
 *   J(W, b) = (1/N) Σ_n −log softmax(W·x_n + b)[y_n]  +  (penalty/2) · ‖W‖²
 * </pre>
 * (sklearn's {@code C} corresponds to {@code penalty = 1 / (C·N)}). Fitting is deterministic: the parallel
 * loops write disjoint outputs and every sum runs in a fixed order.
 */
public final class SoftmaxRegression {

    private final double[][] weights; // [C][D]
    private final double[] bias;      // [C]
    private final boolean converged;

    private SoftmaxRegression(double[][] weights, double[] bias, boolean converged) {
        this.weights = weights;
        this.bias = bias;
        this.converged = converged;
    }

    /**
     * Fits the model.
     *
     * @param x features {@code [N, D]}
     * @param y labels in {@code [0, numClasses)}
     * @param penalty L2 strength, {@code >= 0}
     * @param maxIterations L-BFGS iteration cap
     * @param gradientTolerance stop when every gradient component is at most this in absolute value
     */
    public static SoftmaxRegression fit(double[][] x, int[] y, int numClasses, double penalty, int maxIterations,
                                        double gradientTolerance) {
        if (x.length == 0 || x.length != y.length) {
            throw new IllegalArgumentException(x.length + " samples, " + y.length + " labels");
        }
        if (!(penalty >= 0)) {
            throw new IllegalArgumentException("penalty must be >= 0, got " + penalty);
        }
        for (int label : y) {
            if (label < 0 || label >= numClasses) {
                throw new IllegalArgumentException("label " + label + " outside [0, " + numClasses + ")");
            }
        }
        int d = x[0].length;
        Lbfgs.Result result = Lbfgs.minimize((theta, gradient) -> objective(theta, gradient, x, y, numClasses, penalty),
                new double[numClasses * (d + 1)], maxIterations, gradientTolerance);
        return unpack(result.x(), numClasses, d, result.converged());
    }

    /** {@code W·x + b}. */
    public double[] logits(double[] x) {
        double[] z = bias.clone();
        for (int c = 0; c < weights.length; c++) {
            z[c] += Embeddings.dot(weights[c], x);
        }
        return z;
    }

    /** {@code softmax(W·x + b)}. */
    public double[] probabilities(double[] x) {
        double[] z = logits(x);
        double logSum = logSumExp(z);
        for (int c = 0; c < z.length; c++) {
            z[c] = Math.exp(z[c] - logSum);
        }
        return z;
    }

    /** Mean cross-entropy {@code −log p(y_n | x_n)}, without the penalty. */
    public double meanCrossEntropy(double[][] x, int[] y) {
        double sum = 0;
        for (int n = 0; n < x.length; n++) {
            double[] z = logits(x[n]);
            sum += logSumExp(z) - z[y[n]];
        }
        return sum / x.length;
    }

    /** Whether L-BFGS reached the gradient tolerance within the iteration cap. */
    public boolean converged() {
        return converged;
    }

    /** Weights {@code [C, D]} (a copy). */
    public double[][] weights() {
        return IntStream.range(0, weights.length).mapToObj(c -> weights[c].clone()).toArray(double[][]::new);
    }

    /** Bias {@code [C]} (a copy). */
    public double[] bias() {
        return bias.clone();
    }

    /** J(θ) and its gradient; θ = [W row-major, b]. */
    private static double objective(double[] theta, double[] gradient, double[][] x, int[] y, int numClasses,
                                    double penalty) {
        int n = x.length;
        int d = x[0].length;
        SoftmaxRegression model = unpack(theta, numClasses, d, false);
        double[][] residual = new double[n][]; // p_n - onehot(y_n), divided by N
        double[] loss = new double[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            double[] z = model.logits(x[i]);
            double logSum = logSumExp(z);
            loss[i] = logSum - z[y[i]];
            for (int c = 0; c < numClasses; c++) {
                z[c] = Math.exp(z[c] - logSum) / n;
            }
            z[y[i]] -= 1.0 / n;
            residual[i] = z;
        });
        IntStream.range(0, numClasses).parallel().forEach(c -> {
            int row = c * d;
            double biasGradient = 0;
            for (int j = 0; j < d; j++) {
                gradient[row + j] = penalty * theta[row + j];
            }
            for (int i = 0; i < n; i++) {
                double r = residual[i][c];
                biasGradient += r;
                for (int j = 0; j < d; j++) {
                    gradient[row + j] += r * x[i][j];
                }
            }
            gradient[numClasses * d + c] = biasGradient;
        });
        double sumLoss = 0;
        for (double l : loss) {
            sumLoss += l;
        }
        double squaredNorm = 0;
        for (int k = 0; k < numClasses * d; k++) {
            squaredNorm += theta[k] * theta[k];
        }
        return sumLoss / n + 0.5 * penalty * squaredNorm;
    }

    private static SoftmaxRegression unpack(double[] theta, int numClasses, int d, boolean converged) {
        double[][] w = new double[numClasses][d];
        for (int c = 0; c < numClasses; c++) {
            System.arraycopy(theta, c * d, w[c], 0, d);
        }
        double[] b = new double[numClasses];
        System.arraycopy(theta, numClasses * d, b, 0, numClasses);
        return new SoftmaxRegression(w, b, converged);
    }

    private static double logSumExp(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }
}
