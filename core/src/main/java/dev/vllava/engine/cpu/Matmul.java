package dev.vllava.engine.cpu;

/** {@code out[n,o] = Σ_i x[n,i]·w[o,i] + bias[o]}, split over output columns (weight rows). */
final class Matmul {

    private Matmul() {}

    /** {@code out} columns {@code [0, w.rows)} from one weight part, plus {@code bias[biasOffset + o]}. */
    static void run(ParallelLoop loop, CpuTensor out, CpuTensor x, CpuTensor w, float[] bias, int biasOffset) {
        int inner = x.columns;
        loop.forRange(w.rows, 16, (start, end) -> {
            float[] weightRow = new float[inner];
            float[] inputRow = new float[inner];
            for (int o = start; o < end; o++) {
                w.readRow(o, weightRow);
                float b = bias == null ? 0f : bias[biasOffset + o];
                for (int n = 0; n < x.rows; n++) {
                    x.readRow(n, inputRow);
                    float sum = 0;
                    for (int i = 0; i < inner; i++) {
                        sum += inputRow[i] * weightRow[i];
                    }
                    out.set(n, o, sum + b);
                }
            }
        });
    }
}
