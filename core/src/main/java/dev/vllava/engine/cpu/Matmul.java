package dev.vllava.engine.cpu;

import dev.vllava.engine.Activation;

/**
 * {@code out[n,o] = fn(Σ_i x[n,i]·w[o,i] + bias[o])}: a few input rows go to the memory-bound
 * {@link Gemv}, many to the blocked {@link Gemm}, which applies {@code fn} as it writes each output.
 */
final class Matmul {

    private Matmul() {}

    /** {@code out} columns {@code [0, w.rows)} from one weight part, plus {@code bias[biasOffset + o]}. */
    static void run(ParallelLoop loop, CpuTensor out, CpuTensor x, CpuTensor w, float[] bias, int biasOffset) {
        run(loop, out, x, w, bias, biasOffset, null);
    }

    /**
     * As {@link #run(ParallelLoop, CpuTensor, CpuTensor, CpuTensor, float[], int)}, then {@code fn} (null: none)
     * on every output; {@code out} must start at its rows' first column, as a whole-row pass would see it.
     */
    static void run(ParallelLoop loop, CpuTensor out, CpuTensor x, CpuTensor w, float[] bias, int biasOffset,
                    Activation fn) {
        if (x.rows <= Gemv.MAX_ROWS) {
            Gemv.run(loop, out, Gemv.rows(x), w, bias, biasOffset);
            if (fn != null) {
                Activations.applyRows(loop, out, fn);
            }
        } else {
            Gemm.run(loop, out, x, Gemm.of(w), bias, biasOffset, fn);
        }
    }
}
