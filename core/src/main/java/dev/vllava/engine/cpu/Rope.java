package dev.vllava.engine.cpu;

/**
 * Rotary embedding in transformers' rotate-half layout. The angle is computed as transformers does,
 * in float32: {@code invFreq = 1 / theta^(2j/d)} rounded to float, {@code angle = position · invFreq}
 * rounded to float, then cos/sin of that float angle. Rounding the angle like the reference matters:
 * at position 2000 one float ulp of the angle is ~1e-4 rad.
 */
final class Rope {

    private Rope() {}

    /** {@code invFreq[j]} for {@code j < headDim/2}, as float32 like the reference. */
    static float[] inverseFrequencies(int headDim, double theta) {
        int half = headDim / 2;
        float[] inv = new float[half];
        for (int j = 0; j < half; j++) {
            float exponent = (float) (2 * j) / (float) headDim;
            float power = (float) Math.pow(theta, exponent);
            inv[j] = 1.0f / power;
        }
        return inv;
    }

    /** cos and sin of {@code position · invFreq[j]}, into {@code cos[j]}, {@code sin[j]}. */
    static void angles(int position, float[] invFreq, float[] cos, float[] sin) {
        for (int j = 0; j < invFreq.length; j++) {
            float angle = (float) position * invFreq[j];
            cos[j] = (float) Math.cos(angle);
            sin[j] = (float) Math.sin(angle);
        }
    }

    /** Rotates every head of one row in place. */
    static void rotateRow(float[] row, int heads, int headDim, float[] cos, float[] sin) {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            int base = h * headDim;
            for (int j = 0; j < half; j++) {
                float first = row[base + j];
                float second = row[base + j + half];
                row[base + j] = first * cos[j] - second * sin[j];
                row[base + j + half] = second * cos[j] + first * sin[j];
            }
        }
    }
}
