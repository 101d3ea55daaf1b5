package dev.vllava.engine.cpu;

import static dev.vllava.engine.cpu.Halves.FLOATS;
import static dev.vllava.engine.cpu.Halves.LANES;

import dev.vllava.engine.RopeFrequencies;
import jdk.incubator.vector.FloatVector;

/**
 * Rotary embedding in transformers' rotate-half layout. The angle is computed as transformers does,
 * in float32: {@code invFreq} from {@link RopeFrequencies}, {@code angle = position · invFreq}
 * rounded to float, then cos/sin of that float angle. Rounding the angle like the reference matters:
 * at position 2000 one float ulp of the angle is ~1e-4 rad.
 *
 * <p>The cos/sin rows are cached per position (every layer rotates q and k at the same positions),
 * growing to the largest position seen.
 */
final class Rope {

    private final int headDim;
    private final double theta;
    private final float[] invFreq;
    private float[] cos = new float[0];
    private float[] sin = new float[0];
    private int positions;

    Rope(int headDim, double theta) {
        this.headDim = headDim;
        this.theta = theta;
        this.invFreq = RopeFrequencies.inverse(headDim, theta);
    }

    boolean matches(int headDim, double theta) {
        return this.headDim == headDim && this.theta == theta;
    }

    /** Makes the cos/sin rows of positions {@code [0, count)} available. */
    synchronized void ensure(int count) {
        if (count <= positions) {
            return;
        }
        int grown = Math.max(count, 2 * positions);
        int half = headDim / 2;
        float[] newCos = java.util.Arrays.copyOf(cos, grown * half);
        float[] newSin = java.util.Arrays.copyOf(sin, grown * half);
        for (int p = positions; p < grown; p++) {
            for (int j = 0; j < half; j++) {
                float angle = (float) p * invFreq[j];
                newCos[p * half + j] = (float) Math.cos(angle);
                newSin[p * half + j] = (float) Math.sin(angle);
            }
        }
        cos = newCos;
        sin = newSin;
        positions = grown;
    }

    /** Rotates every head of one row, at {@code position}, in place ({@link #ensure} it first). */
    void rotateRow(float[] row, int heads, int position) {
        float[] c;
        float[] s;
        synchronized (this) {
            c = cos;
            s = sin;
        }
        int half = headDim / 2;
        int at = position * half;
        for (int h = 0; h < heads; h++) {
            int base = h * headDim;
            int j = 0;
            for (; j + LANES <= half; j += LANES) {
                FloatVector first = FloatVector.fromArray(FLOATS, row, base + j);
                FloatVector second = FloatVector.fromArray(FLOATS, row, base + j + half);
                FloatVector cj = FloatVector.fromArray(FLOATS, c, at + j);
                FloatVector sj = FloatVector.fromArray(FLOATS, s, at + j);
                first.mul(cj).sub(second.mul(sj)).intoArray(row, base + j);
                second.mul(cj).add(first.mul(sj)).intoArray(row, base + j + half);
            }
            for (; j < half; j++) {
                float first = row[base + j];
                float second = row[base + j + half];
                row[base + j] = first * c[at + j] - second * s[at + j];
                row[base + j + half] = second * c[at + j] + first * s[at + j];
            }
        }
    }
}
