package dev.vllava.engine.cpu;

/**
 * The error function to within 2e-9 absolute (plus float rounding when the caller narrows it):
 * cubic Hermite interpolation of a table computed once from the Taylor series in double. Exact GELU
 * needs erf accurate to better than float precision so that vision features match torch's erf.
 *
 * <p>Error bound: Hermite interpolation on step h errs by at most h⁴/384·max|erf⁗| ≈ 1e-9 for
 * h = 1/64 (|erf⁗| ≤ 6 on the whole line); past x = 6, 1 - erf(x) &lt; 3e-17.
 */
final class Erf {

    private static final int STEPS_PER_UNIT = 64;
    private static final double LIMIT = 6.0;
    private static final int POINTS = (int) (LIMIT * STEPS_PER_UNIT) + 1;
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);
    /** erf and its derivative at the table points. */
    private static final double[] VALUE = new double[POINTS];
    private static final double[] SLOPE = new double[POINTS];

    static {
        for (int i = 0; i < POINTS; i++) {
            double x = (double) i / STEPS_PER_UNIT;
            VALUE[i] = series(x);
            SLOPE[i] = TWO_OVER_SQRT_PI * Math.exp(-x * x);
        }
    }

    private Erf() {}

    static double erf(double x) {
        double ax = Math.abs(x);
        if (!(ax < LIMIT)) {
            return Double.isNaN(x) ? x : Math.copySign(1.0, x);
        }
        double scaled = ax * STEPS_PER_UNIT;
        int i = (int) scaled;
        double t = scaled - i;
        double h = 1.0 / STEPS_PER_UNIT;
        double t2 = t * t;
        double t3 = t2 * t;
        double h00 = 2 * t3 - 3 * t2 + 1;
        double h10 = t3 - 2 * t2 + t;
        double h01 = -2 * t3 + 3 * t2;
        double h11 = t3 - t2;
        double value = h00 * VALUE[i] + h10 * h * SLOPE[i] + h01 * VALUE[i + 1] + h11 * h * SLOPE[i + 1];
        return Math.copySign(value, x);
    }

    /**
     * erf in double: the Taylor series 2/√π Σ (-1)ⁿ x²ⁿ⁺¹ / (n!(2n+1)) up to x = 3 (largest term
     * about 1e3, so cancellation costs ~1e-13), the continued fraction of erfc beyond (where the
     * series would cancel badly and the fraction converges fast).
     */
    static double series(double x) {
        if (x > 3.0) {
            return 1.0 - erfcContinuedFraction(x);
        }
        double x2 = x * x;
        double term = x;
        double sum = x;
        for (int n = 1; n < 200; n++) {
            term *= -x2 / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.abs(add) < 1e-18) {
                break;
            }
        }
        return TWO_OVER_SQRT_PI * sum;
    }

    /** erfc(x) for x &gt; 3 by Lentz's evaluation of its continued fraction (converges fast there). */
    private static double erfcContinuedFraction(double x) {
        // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
        double tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0;
        for (int n = 1; n < 500; n++) {
            double a = n / 2.0;
            d = x + a * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = x + a / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }
}
