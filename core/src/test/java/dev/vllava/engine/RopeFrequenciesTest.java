package dev.vllava.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * transformers' {@code 1.0 / (base ** (arange(0, dim, 2).float() / dim))}, step by step in float32. The
 * pinned values were worked out with 50-digit decimal arithmetic: the exponent 2j/128 is exact in float32,
 * the power is rounded to float32, then its reciprocal.
 */
class RopeFrequenciesTest {

    @Test
    void followsTransformersFloat32StepsForLlamaHeads() {
        float[] inverse = RopeFrequencies.inverse(128, 10000.0);
        assertEquals(64, inverse.length);
        assertEquals(1.0f, inverse[0]);
        assertEquals(0x3f5dafd7, Float.floatToIntBits(inverse[1]));
        assertEquals(0x3db15978, Float.floatToIntBits(inverse[17]));
        // exp2f(-log2θ·2j/d) in FP32 (the CUDA kernel before this table) gave 0x3b4f3e39 and 0x38f22ce7 here.
        assertEquals(0x3b4f3e38, Float.floatToIntBits(inverse[40]));
        // 10000^(126/128) = 8659.64323…, nearest float 8659.6436; the float nearest the exact reciprocal
        // (0x38f22ce3) is not what transformers computes: it rounds the power first.
        assertEquals(0x38f22ce2, Float.floatToIntBits(inverse[63]));
    }

    @Test
    void refusesAnOddHeadDimension() {
        assertThrows(IllegalArgumentException.class, () -> RopeFrequencies.inverse(7, 10000.0));
    }
}
