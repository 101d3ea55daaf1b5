package dev.vllava.engine.cpu;

import java.util.function.Function;

/**
 * {@code out[n,o] = Σ_i x[n,i]·w[o,i] + bias[o]}: a few input rows go to the memory-bound
 * {@link Gemv}, many to the blocked {@link Gemm}.
 */
final class Matmul {

    private Matmul() {}

    /**
     * {@code out} columns {@code [0, w.rows)} from one weight part, plus {@code bias[biasOffset + o]};
     * {@code zeros} gives the part's zero-exponent halves for the GEMV (looked up only for few rows).
     */
    static void run(ParallelLoop loop, CpuTensor out, CpuTensor x, CpuTensor w, Function<CpuTensor, ZeroExponentHalves> zeros,
                    float[] bias, int biasOffset) {
        if (x.rows <= Gemv.MAX_ROWS) {
            Gemv.run(loop, out, Gemv.rows(x), w, zeros.apply(w), bias, biasOffset);
        } else {
            Gemm.run(loop, out, x, w, bias, biasOffset);
        }
    }
}
