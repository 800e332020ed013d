package ai.superclip.eval;

import ai.superclip.inference.Embeddings;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.LUDecomposition;
import org.junit.jupiter.api.Test;

class LinearProbeTest {

    /** Labelled samples from isotropic Gaussians. */
    private record Data(float[][] x, int[] y) {

        static Data gaussians(double[][] centers, double sigma, int perClass, long seed) {
            Random random = new Random(seed);
            int dim = centers[0].length;
            float[][] x = new float[centers.length * perClass][dim];
            int[] y = new int[x.length];
            for (int n = 0; n < x.length; n++) {
                y[n] = n % centers.length;
                for (int j = 0; j < dim; j++) {
                    x[n][j] = (float) (centers[y[n]][j] + sigma * random.nextGaussian());
                }
            }
            return new Data(x, y);
        }

        Data shuffled(long seed) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < y.length; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(seed));
            return new Data(order.stream().map(i -> x[i]).toArray(float[][]::new),
                    order.stream().mapToInt(i -> y[i]).toArray());
        }
    }

    private static final double[][] BLOB_CENTERS = {{3, 0, 0, 0, 0}, {0, 3, 0, 0, 0}, {0, 0, 3, 0, 0}};
    private static final double[][] OVERLAPPING_CENTERS = {{1, 0.2, 0.5}, {0.2, 1, 0.5}};

    @Test
    void separableBlobsAreClassifiedPerfectlyLikeTheKnownNearestCentreSolution() {
        Data train = Data.gaussians(BLOB_CENTERS, 0.4, 40, 1);
        Data test = Data.gaussians(BLOB_CENTERS, 0.4, 40, 2);
        double[][] centres = Embeddings.normalizedRows(
                new float[][] {{1, 0, 0, 0, 0}, {0, 1, 0, 0, 0}, {0, 0, 1, 0, 0}});
        double[][] known = Embeddings.normalizedRows(test.x());
        assertEquals(1.0, ClassificationMetrics.of(i -> logitsOf(centres, known[i]), test.y(), 3).top1(), 0.0,
                "the fixture must be separable by the known solution");

        LinearProbe.Result result = LinearProbe.run(train.x(), train.y(), test.x(), test.y(), 3,
                LinearProbe.Config.defaults(0));

        assertEquals(1.0, result.test().top1(), 0.0);
        assertEquals(1.0, result.test().meanPerClassRecall(), 0.0);
        assertTrue(result.model().converged());
        assertEquals(9, result.validationTop1().size());
    }

    @Test
    void twoClassFitMatchesNewtonOnTheSameObjective() {
        Data data = Data.gaussians(OVERLAPPING_CENTERS, 0.6, 100, 3);
        double[][] x = toDouble(data.x());
        double penalty = 0.01;

        SoftmaxRegression model = SoftmaxRegression.fit(x, data.y(), 2, penalty, 1000, 1e-10);
        assertTrue(model.converged());
        double[] reference = newtonBinaryLogistic(x, data.y(), penalty);

        double accuracy = 0;
        for (double[] xi : x) {
            assertEquals(sigmoid(reference, xi), model.probabilities(xi)[1], 1e-4);
        }
        for (int n = 0; n < x.length; n++) {
            accuracy += (model.probabilities(x[n])[1] > 0.5 ? 1 : 0) == data.y()[n] ? 1 : 0;
        }
        assertTrue(accuracy / x.length < 0.95, "fixture must not be separable, accuracy " + accuracy / x.length);
    }

    @Test
    void probeReachesTheReferenceFitAtTheChosenPenalty() {
        Data train = Data.gaussians(OVERLAPPING_CENTERS, 0.6, 100, 4);
        Data test = Data.gaussians(OVERLAPPING_CENTERS, 0.6, 100, 5);

        LinearProbe.Result result = LinearProbe.run(train.x(), train.y(), test.x(), test.y(), 2,
                LinearProbe.Config.defaults(11));

        double[] reference = newtonBinaryLogistic(Embeddings.normalizedRows(train.x()), train.y(), result.penalty());
        double[][] xTest = Embeddings.normalizedRows(test.x());
        int correct = 0;
        for (int n = 0; n < xTest.length; n++) {
            double p = sigmoid(reference, xTest[n]);
            assertEquals(p, result.model().probabilities(xTest[n])[1], 1e-4);
            correct += (p > 0.5 ? 1 : 0) == test.y()[n] ? 1 : 0;
        }
        assertEquals((double) correct / xTest.length, result.test().top1(), 0.0);
        assertTrue(result.test().top1() > 0.7, "top-1 " + result.test().top1());
    }

    @Test
    void chosenPenaltyAndModelAreStableAcrossRerunsAndShuffles() {
        Data train = Data.gaussians(OVERLAPPING_CENTERS, 0.6, 60, 6);
        Data test = Data.gaussians(OVERLAPPING_CENTERS, 0.6, 20, 7);
        LinearProbe.Config config = LinearProbe.Config.defaults(42);

        LinearProbe.Result first = LinearProbe.run(train.x(), train.y(), test.x(), test.y(), 2, config);
        LinearProbe.Result again = LinearProbe.run(train.x(), train.y(), test.x(), test.y(), 2, config);
        LinearProbe.Result shuffledA = LinearProbe.run(train.shuffled(1).x(), train.shuffled(1).y(), test.x(),
                test.y(), 2, config);
        LinearProbe.Result shuffledB = LinearProbe.run(train.shuffled(2).x(), train.shuffled(2).y(), test.x(),
                test.y(), 2, config);

        for (LinearProbe.Result other : List.of(again, shuffledA, shuffledB)) {
            assertEquals(first.penalty(), other.penalty());
            assertEquals(first.validationTop1(), other.validationTop1());
            assertArrayEquals(first.model().weights(), other.model().weights());
            assertArrayEquals(first.model().bias(), other.model().bias());
        }
    }

    private static double[] logitsOf(double[][] weights, double[] x) {
        double[] z = new double[weights.length];
        for (int c = 0; c < weights.length; c++) {
            z[c] = Embeddings.dot(weights[c], x);
        }
        return z;
    }

    /**
     * Independent reference: binary logistic regression θ = (v, c) by Newton's method. The two-class softmax
     * objective with penalty λ/2·(‖w0‖² + ‖w1‖²) has its optimum at w1 = −w0 = v/2, i.e. it equals
     * mean CE(σ(v·x + c)) + λ/4·‖v‖².
     */
    private static double[] newtonBinaryLogistic(double[][] x, int[] y, double penalty) {
        int d = x[0].length;
        double[] theta = new double[d + 1];
        for (int iter = 0; iter < 100; iter++) {
            double[] gradient = new double[d + 1];
            double[][] hessian = new double[d + 1][d + 1];
            for (int j = 0; j < d; j++) {
                gradient[j] = penalty / 2 * theta[j];
                hessian[j][j] = penalty / 2;
            }
            for (int n = 0; n < x.length; n++) {
                double[] xi = append1(x[n]);
                double p = sigmoid(theta, x[n]);
                for (int j = 0; j <= d; j++) {
                    gradient[j] += (p - y[n]) * xi[j] / x.length;
                    for (int k = 0; k <= d; k++) {
                        hessian[j][k] += p * (1 - p) * xi[j] * xi[k] / x.length;
                    }
                }
            }
            double[] step = new LUDecomposition(new Array2DRowRealMatrix(hessian)).getSolver()
                    .solve(new ArrayRealVector(gradient)).toArray();
            double largest = 0;
            for (int j = 0; j <= d; j++) {
                theta[j] -= step[j];
                largest = Math.max(largest, Math.abs(step[j]));
            }
            if (largest < 1e-13) {
                break;
            }
        }
        return theta;
    }

    private static double sigmoid(double[] theta, double[] x) {
        double z = theta[x.length];
        for (int j = 0; j < x.length; j++) {
            z += theta[j] * x[j];
        }
        return 1 / (1 + Math.exp(-z));
    }

    private static double[] append1(double[] x) {
        double[] out = Arrays.copyOf(x, x.length + 1);
        out[x.length] = 1;
        return out;
    }

    private static double[][] toDouble(float[][] x) {
        double[][] out = new double[x.length][x[0].length];
        for (int n = 0; n < x.length; n++) {
            for (int j = 0; j < x[n].length; j++) {
                out[n][j] = x[n][j];
            }
        }
        return out;
    }
}
