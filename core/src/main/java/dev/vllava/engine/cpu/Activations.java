package dev.vllava.engine.cpu;

import dev.vllava.engine.Activation;

/**
 * Element-wise activations, with torch's float32 semantics: each value is computed in double from
 * its float input and rounded once, which is at least as accurate as torch's float kernels.
 */
final class Activations {

    private static final double SQRT_HALF = Math.sqrt(0.5);
    private static final double SQRT_TWO_OVER_PI = Math.sqrt(2.0 / Math.PI);

    private Activations() {}

    static float apply(Activation fn, float x) {
        double v = x;
        return (float) switch (fn) {
            case GELU -> 0.5 * v * (1.0 + Erf.erf(v * SQRT_HALF));
            case GELU_TANH -> 0.5 * v * (1.0 + Math.tanh(SQRT_TWO_OVER_PI * (v + 0.044715 * v * v * v)));
            case QUICK_GELU -> v / (1.0 + Math.exp(-1.702 * v));
            case SILU -> silu(v);
        };
    }

    static double silu(double v) {
        return v / (1.0 + Math.exp(-v));
    }

    /** Applies {@code fn} to {@code values[0, count)} in place. */
    static void apply(Activation fn, float[] values, int count) {
        for (int i = 0; i < count; i++) {
            values[i] = apply(fn, values[i]);
        }
    }

    /** {@code gate[i] ← silu(gate[i]) · up[i]}; silu is rounded to float first, as torch's two kernels do. */
    static void siluGate(float[] gate, float[] up, int count) {
        for (int i = 0; i < count; i++) {
            gate[i] = (float) silu(gate[i]) * up[i];
        }
    }
}
