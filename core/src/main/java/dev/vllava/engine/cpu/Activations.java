package dev.vllava.engine.cpu;

import static dev.vllava.engine.cpu.Halves.FLOATS;
import static dev.vllava.engine.cpu.Halves.LANES;

import dev.vllava.engine.Activation;
import jdk.incubator.vector.FloatVector;

/**
 * Element-wise activations with torch's float32 semantics. The exp/tanh forms run on vectors with
 * {@link VectorMath}'s ~1 ulp exp (as accurate as torch's own float kernels, and reproducible);
 * exact GELU goes through {@link Erf} in double, one value at a time, rounded once. Vector tails
 * use the same vector code on a zero-padded copy so every element gets the same function.
 */
final class Activations {

    private static final double SQRT_HALF = Math.sqrt(0.5);
    private static final float SQRT_TWO_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

    private Activations() {}

    /** One value (scalar reference and vector tails). */
    static float apply(Activation fn, float x) {
        double v = x;
        return (float) switch (fn) {
            case GELU -> 0.5 * v * (1.0 + Erf.erf(v * SQRT_HALF));
            case GELU_TANH -> 0.5 * v * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (v + 0.044715 * v * v * v)));
            case QUICK_GELU -> v / (1.0 + Math.exp(-1.702 * v));
            case SILU -> v / (1.0 + Math.exp(-v));
        };
    }

    /**
     * Applies {@code fn} to {@code values[0, count)} in place. Each function has its own loop and its
     * own small vector method: one shared method switching on {@code fn} was compiled on its own once
     * the vision tower had used it, and the Llama's siluGate then called it out of line with boxed
     * vectors (measured 4-50× slower per element).
     */
    static void apply(Activation fn, float[] values, int count) {
        int i = switch (fn) {
            case SILU -> siluLoop(values, count);
            case QUICK_GELU -> quickGeluLoop(values, count);
            case GELU_TANH -> geluTanhLoop(values, count);
            case GELU -> 0;
        };
        for (; i < count; i++) {
            values[i] = apply(fn, values[i]);
        }
    }

    /** {@link #apply(Activation, float[], int)} on every row of {@code t} in place, rows split over the threads. */
    static void applyRows(ParallelLoop loop, CpuTensor t, Activation fn) {
        loop.forRange(t.rows, 4, (start, end) -> {
            float[] row = new float[t.columns];
            for (int r = start; r < end; r++) {
                t.readRow(r, row);
                apply(fn, row, row.length);
                t.writeRow(r, row);
            }
        });
    }

    private static int siluLoop(float[] values, int count) {
        int i = 0;
        for (; i + LANES <= count; i += LANES) {
            silu(FloatVector.fromArray(FLOATS, values, i)).intoArray(values, i);
        }
        return i;
    }

    private static int quickGeluLoop(float[] values, int count) {
        int i = 0;
        for (; i + LANES <= count; i += LANES) {
            quickGelu(FloatVector.fromArray(FLOATS, values, i)).intoArray(values, i);
        }
        return i;
    }

    private static int geluTanhLoop(float[] values, int count) {
        int i = 0;
        for (; i + LANES <= count; i += LANES) {
            geluTanh(FloatVector.fromArray(FLOATS, values, i)).intoArray(values, i);
        }
        return i;
    }

    private static FloatVector silu(FloatVector x) {
        return x.div(VectorMath.exp(x.neg()).add(1f));
    }

    private static FloatVector quickGelu(FloatVector x) {
        return x.div(VectorMath.exp(x.mul(-1.702f)).add(1f));
    }

    private static FloatVector geluTanh(FloatVector x) {
        FloatVector inner = x.mul(x).mul(x).mul(0.044715f).add(x).mul(SQRT_TWO_OVER_PI);
        return VectorMath.tanh(inner).add(1f).mul(x).mul(0.5f);
    }

    /** {@code gate[i] ← silu(gate[i]) · up[i]}; silu is rounded to float first, as torch's two kernels do. */
    static void siluGate(float[] gate, float[] up, int count) {
        int i = 0;
        for (; i + LANES <= count; i += LANES) {
            FloatVector g = FloatVector.fromArray(FLOATS, gate, i);
            silu(g).mul(FloatVector.fromArray(FLOATS, up, i)).intoArray(gate, i);
        }
        for (; i < count; i++) {
            gate[i] = apply(Activation.SILU, gate[i]) * up[i];
        }
    }
}
