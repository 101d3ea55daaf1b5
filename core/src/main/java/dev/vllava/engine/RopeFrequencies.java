package dev.vllava.engine;

/**
 * The rotary embedding's inverse frequencies, {@code invFreq[j] = 1 / theta^(2j/d)} for {@code j < d/2},
 * computed in the steps and float32 roundings of transformers' default RoPE ({@code 1.0 / (base **
 * (arange(0, dim, 2).float() / dim))}): the exponent divided in float32, the power rounded to float32,
 * then a float32 reciprocal. Every engine rotates with this one table (the CPU engine's cos/sin rows,
 * the CUDA engine's kernel argument), so their angles {@code position · invFreq[j]} agree bit for bit
 * before cos/sin: a 1-ulp difference in invFreq moves the angle at position 4000 by ~5e-4 rad.
 */
public final class RopeFrequencies {
    private RopeFrequencies() {}

    public static float[] inverse(int headDim, double theta) {
        if (headDim < 2 || headDim % 2 != 0 || !(theta > 1)) {
            throw new IllegalArgumentException("RoPE needs an even head dimension and theta > 1, got " + headDim + ", " + theta);
        }
        int half = headDim / 2;
        float[] inv = new float[half];
        for (int j = 0; j < half; j++) {
            float exponent = (float) (2 * j) / (float) headDim;
            float power = (float) Math.pow(theta, exponent);
            inv[j] = 1.0f / power;
        }
        return inv;
    }
}
