package dev.vllava.engine.cpu;

import static dev.vllava.engine.cpu.Halves.FLOATS;
import static dev.vllava.engine.cpu.Halves.LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector helpers whose results do not depend on whether C2 has compiled the caller. The Vector
 * API's {@code reduceLanes(ADD)} sums lanes in an unspecified order and its {@code EXP} is a
 * different function (SVML) when intrinsified than in the interpreter, so the same call gave
 * different bits before and after warm-up and a repeated decode step did not reproduce its logits.
 * Everything here uses only IEEE add/mul/fma in a fixed order.
 */
final class VectorMath {

    private static final float LOG2_E = 1.442695041f;
    /** ln 2 split so that k·LN2_HIGH is exact for |k| ≤ 2¹¹ (Cody–Waite reduction). */
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    /** 1.5·2²³: adding it rounds a float below 2²² to an integer held in the low mantissa bits. */
    private static final float ROUNDING = 12582912f;
    /**
     * exp is evaluated on [-86, 88.7]: below, results (&lt; 5e-38) are held at exp(-86) — nothing
     * here needs smaller values; above, the float range ends.
     */
    private static final float LOWEST = -86f;
    private static final float HIGHEST = 88.7f;

    private VectorMath() {}

    /** Σ lanes, in lane order. */
    static float sum(FloatVector v) {
        float total = 0f;
        for (int i = 0; i < LANES; i++) {
            total += v.lane(i);
        }
        return total;
    }

    /** {@code a[aAt, +n) · b[bAt, +n)}: one vector FMA chain, its lanes summed in lane order, then the scalar tail. */
    static float dot(float[] a, int aAt, float[] b, int bAt, int n) {
        int vectorEnd = n - n % LANES;
        FloatVector sum = FloatVector.zero(FLOATS);
        int c = 0;
        for (; c < vectorEnd; c += LANES) {
            sum = FloatVector.fromArray(FLOATS, a, aAt + c).fma(FloatVector.fromArray(FLOATS, b, bAt + c), sum);
        }
        float dot = sum(sum);
        for (; c < n; c++) {
            dot += a[aAt + c] * b[bAt + c];
        }
        return dot;
    }

    /**
     * e^x to ~1 ulp: x = k·ln2 + r with |r| ≤ ln2/2, e^r by its degree-7 Taylor polynomial
     * (truncation error r⁸/8! &lt; 6e-9 relative), times 2^k built in the exponent bits.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.max(LOWEST).min(HIGHEST);
        FloatVector shifted = clamped.mul(LOG2_E).add(ROUNDING);
        FloatVector k = shifted.sub(ROUNDING);
        IntVector kBits = shifted.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDING));
        FloatVector r = k.fma(FloatVector.broadcast(FLOATS, -LN2_HIGH), clamped);
        r = k.fma(FloatVector.broadcast(FLOATS, -LN2_LOW), r);
        FloatVector p = r.fma(1f / 5040, 1f / 720);
        p = p.fma(r, FloatVector.broadcast(FLOATS, 1f / 120));
        p = p.fma(r, FloatVector.broadcast(FLOATS, 1f / 24));
        p = p.fma(r, FloatVector.broadcast(FLOATS, 1f / 6));
        p = p.fma(r, FloatVector.broadcast(FLOATS, 0.5f));
        p = p.fma(r, FloatVector.broadcast(FLOATS, 1f));
        p = p.fma(r, FloatVector.broadcast(FLOATS, 1f));
        // 2^(k-1) then ·2, so that k = 128 (results just below the float maximum) stays finite.
        FloatVector scale = kBits.add(126).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(scale).mul(2f);
    }

    /** tanh(y) = 1 − 2/(e^{2y} + 1): absolute error ~1e-7, saturating cleanly at ±1. */
    static FloatVector tanh(FloatVector y) {
        FloatVector two = FloatVector.broadcast(FLOATS, 2f);
        return FloatVector.broadcast(FLOATS, 1f).sub(two.div(exp(y.mul(2f)).add(1f)));
    }
}
