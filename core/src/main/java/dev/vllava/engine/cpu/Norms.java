package dev.vllava.engine.cpu;

import static dev.vllava.engine.cpu.Halves.FLOATS;
import static dev.vllava.engine.cpu.Halves.LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Row normalisations in float32 like torch: statistics are float sums over 4 × LANES partial sums
 * (so each partial sum adds at most a few hundred terms: ~1e-6 relative error, as torch's cascaded
 * float sums), narrowed once, then applied element-wise.
 */
final class Norms {

    private Norms() {}

    /** Llama RMSNorm: {@code weight · (x · rsqrt(mean(x²) + eps))}, both products rounded to float. */
    static void rmsNorm(float[] row, int count, float[] weight, float eps) {
        float variance = sumOfSquares(row, count, 0f) / count;
        float scale = (float) (1.0 / Math.sqrt(variance + eps));
        int i = 0;
        for (; i + LANES <= count; i += LANES) {
            FloatVector.fromArray(FLOATS, row, i).mul(scale).mul(FloatVector.fromArray(FLOATS, weight, i))
                    .intoArray(row, i);
        }
        for (; i < count; i++) {
            row[i] = weight[i] * (row[i] * scale);
        }
    }

    /** LayerNorm with the biased variance: {@code (x - μ) · rsqrt(σ² + eps) · weight + bias}. */
    static void layerNorm(float[] row, int count, float[] weight, float[] bias, float eps) {
        float mean = sum(row, count) / count;
        float variance = sumOfSquares(row, count, mean) / count;
        float scale = (float) (1.0 / Math.sqrt(variance + eps));
        int i = 0;
        for (; i + LANES <= count; i += LANES) {
            FloatVector.fromArray(FLOATS, row, i).sub(mean).mul(scale)
                    .fma(FloatVector.fromArray(FLOATS, weight, i), FloatVector.fromArray(FLOATS, bias, i))
                    .intoArray(row, i);
        }
        for (; i < count; i++) {
            row[i] = (row[i] - mean) * scale * weight[i] + bias[i];
        }
    }

    private static float sum(float[] row, int count) {
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 4 * LANES <= count; i += 4 * LANES) {
            a0 = a0.add(FloatVector.fromArray(FLOATS, row, i));
            a1 = a1.add(FloatVector.fromArray(FLOATS, row, i + LANES));
            a2 = a2.add(FloatVector.fromArray(FLOATS, row, i + 2 * LANES));
            a3 = a3.add(FloatVector.fromArray(FLOATS, row, i + 3 * LANES));
        }
        float total = VectorMath.sum(a0.add(a1).add(a2.add(a3)));
        for (; i < count; i++) {
            total += row[i];
        }
        return total;
    }

    /** {@code Σ (x - center)²}. */
    private static float sumOfSquares(float[] row, int count, float center) {
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i + 4 * LANES <= count; i += 4 * LANES) {
            FloatVector x0 = FloatVector.fromArray(FLOATS, row, i).sub(center);
            FloatVector x1 = FloatVector.fromArray(FLOATS, row, i + LANES).sub(center);
            FloatVector x2 = FloatVector.fromArray(FLOATS, row, i + 2 * LANES).sub(center);
            FloatVector x3 = FloatVector.fromArray(FLOATS, row, i + 3 * LANES).sub(center);
            a0 = x0.fma(x0, a0);
            a1 = x1.fma(x1, a1);
            a2 = x2.fma(x2, a2);
            a3 = x3.fma(x3, a3);
        }
        float total = VectorMath.sum(a0.add(a1).add(a2.add(a3)));
        for (; i < count; i++) {
            float d = row[i] - center;
            total += d * d;
        }
        return total;
    }
}
