package ai.superclip.eval;

import ai.superclip.inference.Embeddings;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * Limited-memory BFGS for smooth unconstrained minimisation, with a backtracking (Armijo) line search.
 * Deterministic: no randomness, fixed summation order.
 */
public final class Lbfgs {

    /** A function to minimise: writes the gradient at x into {@code gradient} and returns the value. */
    @FunctionalInterface
    public interface Objective {
        double valueAndGradient(double[] x, double[] gradient);
    }

    /**
     * The outcome of a run.
     *
     * @param x the last iterate
     * @param value the objective at x
     * @param iterations iterations performed
     * @param converged whether the gradient tolerance was reached (otherwise the iteration cap was hit or the
     *     line search could not decrease the objective any more, i.e. x is optimal to machine precision)
     */
    public record Result(double[] x, double value, int iterations, boolean converged) {
    }

    private static final int MEMORY = 10;
    private static final double ARMIJO = 1e-4;
    private static final int MAX_HALVINGS = 60;

    private Lbfgs() {
    }

    /**
     * Minimises {@code f} from {@code start} (not modified) until the largest absolute gradient component is at
     * most {@code gradientTolerance} or {@code maxIterations} iterations have run.
     */
    public static Result minimize(Objective f, double[] start, int maxIterations, double gradientTolerance) {
        int n = start.length;
        double[] x = start.clone();
        double[] g = new double[n];
        double fx = f.valueAndGradient(x, g);
        Deque<double[][]> history = new ArrayDeque<>(); // pairs {s, y}, newest first
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        for (int iter = 0; iter < maxIterations; iter++) {
            if (maxAbs(g) <= gradientTolerance) {
                return new Result(x, fx, iter, true);
            }
            double[] d = direction(g, history);
            double slope = Embeddings.dot(g, d);
            if (slope >= 0) { // not a descent direction (numerical trouble): restart from steepest descent
                history.clear();
                d = negate(g);
                slope = Embeddings.dot(g, d);
            }
            // backtracking: halve the step until the Armijo sufficient-decrease condition holds
            double step = history.isEmpty() ? Math.min(1.0, 1.0 / maxAbs(g)) : 1.0;
            double fNew;
            int halvings = 0;
            while (true) {
                for (int i = 0; i < n; i++) {
                    xNew[i] = x[i] + step * d[i];
                }
                fNew = f.valueAndGradient(xNew, gNew);
                if (fNew <= fx + ARMIJO * step * slope) {
                    break;
                }
                if (++halvings == MAX_HALVINGS) {
                    return new Result(x, fx, iter, false);
                }
                step /= 2;
            }
            double[] s = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = xNew[i] - x[i];
                y[i] = gNew[i] - g[i];
            }
            if (Embeddings.dot(s, y) > 1e-12 * Embeddings.dot(y, y)) { // keep the inverse Hessian positive definite
                history.addFirst(new double[][] {s, y});
                if (history.size() > MEMORY) {
                    history.removeLast();
                }
            }
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            fx = fNew;
        }
        return new Result(x, fx, maxIterations, maxAbs(g) <= gradientTolerance);
    }

    /** The two-loop recursion: {@code -H·g} with H the L-BFGS inverse-Hessian approximation. */
    private static double[] direction(double[] g, Deque<double[][]> history) {
        double[] q = g.clone();
        double[] alpha = new double[history.size()];
        int k = 0;
        for (double[][] sy : history) {
            alpha[k] = Embeddings.dot(sy[0], q) / Embeddings.dot(sy[1], sy[0]);
            axpy(-alpha[k], sy[1], q);
            k++;
        }
        if (!history.isEmpty()) {
            double[][] newest = history.peekFirst();
            double gamma = Embeddings.dot(newest[0], newest[1]) / Embeddings.dot(newest[1], newest[1]);
            for (int i = 0; i < q.length; i++) {
                q[i] *= gamma;
            }
        }
        Iterator<double[][]> oldestFirst = history.descendingIterator();
        while (oldestFirst.hasNext()) {
            double[][] sy = oldestFirst.next();
            k--;
            double beta = Embeddings.dot(sy[1], q) / Embeddings.dot(sy[1], sy[0]);
            axpy(alpha[k] - beta, sy[0], q);
        }
        return negate(q);
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < y.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static double[] negate(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = -v[i];
        }
        return out;
    }

    private static double maxAbs(double[] v) {
        double max = 0;
        for (double x : v) {
            max = Math.max(max, Math.abs(x));
        }
        return max;
    }
}
