package dev.vllava.engine.cpu;

/**
 * Row normalisations. Statistics are summed in double (torch sums float32 in a tree, which is
 * close to exact for these row lengths), then narrowed to float before use as torch does.
 */
final class Norms {

    private Norms() {}

    /** Llama RMSNorm: {@code weight · (x · rsqrt(mean(x²) + eps))}, both products rounded to float. */
    static void rmsNorm(float[] row, int count, float[] weight, float eps) {
        double sumSquares = 0;
        for (int i = 0; i < count; i++) {
            sumSquares += (double) row[i] * row[i];
        }
        float variance = (float) (sumSquares / count);
        float scale = (float) (1.0 / Math.sqrt((double) (variance + eps)));
        for (int i = 0; i < count; i++) {
            row[i] = weight[i] * (row[i] * scale);
        }
    }

    /** LayerNorm with the biased variance: {@code (x - μ) · rsqrt(σ² + eps) · weight + bias}. */
    static void layerNorm(float[] row, int count, float[] weight, float[] bias, float eps) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += row[i];
        }
        double mean = sum / count;
        double sumSquares = 0;
        for (int i = 0; i < count; i++) {
            double d = row[i] - mean;
            sumSquares += d * d;
        }
        float meanF = (float) mean;
        float scale = (float) (1.0 / Math.sqrt(sumSquares / count + eps));
        for (int i = 0; i < count; i++) {
            row[i] = (row[i] - meanF) * scale * weight[i] + bias[i];
        }
    }
}
