package dev.vllava.engine.cpu;

/**
 * {@code out[n,o] = Σ_i x[n,i]·w[o,i] + bias[o]}: a few input rows go to the memory-bound
 * {@link Gemv}, many to the blocked {@link Gemm}.
 */
final class Matmul {

    private Matmul() {}

    /** {@code out} columns {@code [0, w.rows)} from one weight part, plus {@code bias[biasOffset + o]}. */
    static void run(ParallelLoop loop, CpuTensor out, CpuTensor x, CpuTensor w, float[] bias, int biasOffset) {
        if (x.rows <= Gemv.MAX_ROWS) {
            Gemv.run(loop, out, Gemv.rows(x), w, bias, biasOffset);
        } else {
            Gemm.run(loop, out, x, w, bias, biasOffset);
        }
    }
}
