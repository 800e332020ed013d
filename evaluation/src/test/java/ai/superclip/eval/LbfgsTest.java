package ai.superclip.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.junit.jupiter.api.Test;

class LbfgsTest {

    @Test
    void quadraticReachesTheLinearSolveSolution() {
        double[][] a = {{4, 1, 0.5}, {1, 3, 0.2}, {0.5, 0.2, 2}};
        double[] b = {1, -2, 3};
        Lbfgs.Objective f = (x, g) -> {
            double value = 0;
            for (int i = 0; i < 3; i++) {
                g[i] = -b[i];
                for (int j = 0; j < 3; j++) {
                    g[i] += a[i][j] * x[j];
                    value += 0.5 * x[i] * a[i][j] * x[j];
                }
                value -= b[i] * x[i];
            }
            return value;
        };
        Lbfgs.Result result = Lbfgs.minimize(f, new double[3], 100, 1e-12);

        RealMatrix matrix = new Array2DRowRealMatrix(a);
        double[] expected = new LUDecomposition(matrix).getSolver().solve(new ArrayRealVector(b)).toArray();
        assertTrue(result.converged());
        assertArrayEquals(expected, result.x(), 1e-10);
    }

    @Test
    void rosenbrockFromTheClassicStart() {
        Lbfgs.Objective rosenbrock = (x, g) -> {
            double u = 1 - x[0];
            double v = x[1] - x[0] * x[0];
            g[0] = -2 * u - 400 * x[0] * v;
            g[1] = 200 * v;
            return u * u + 100 * v * v;
        };
        Lbfgs.Result result = Lbfgs.minimize(rosenbrock, new double[] {-1.2, 1}, 1000, 1e-9);
        assertTrue(result.converged());
        assertArrayEquals(new double[] {1, 1}, result.x(), 1e-6);
    }
}
