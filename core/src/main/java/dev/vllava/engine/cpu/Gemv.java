package dev.vllava.engine.cpu;

import static dev.vllava.engine.cpu.Halves.FLOATS;
import static dev.vllava.engine.cpu.Halves.LANES;

import dev.vllava.checkpoint.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Matrix-vector products for a few input rows (decode): memory-bound, so each weight row is read
 * once per pair of input rows and each weight vector is converted in registers and used at once.
 * Converting into an L1 buffer first measured half as fast (10 against 22 GB/s per core of F16).
 * Threads split the weight rows.
 */
final class Gemv {

    /** Up to this many input rows go through the GEMV path (the weight row is re-read from cache per pair). */
    static final int MAX_ROWS = 8;

    private Gemv() {}

    /** {@code out[n, o] = x[n]·w[o] + bias[biasOffset + o]} for every weight row o. */
    static void run(ParallelLoop loop, CpuTensor out, float[][] x, CpuTensor w, float[] bias, int biasOffset) {
        int inner = w.columns;
        loop.forRange(w.rows, 64, (start, end) -> {
            float[] sums = new float[2];
            for (int o = start; o < end; o++) {
                long rowOffset = w.byteOffset(o, 0);
                float b = bias == null ? 0f : bias[biasOffset + o];
                int n = 0;
                for (; n + 2 <= x.length; n += 2) {
                    dot2(w.dtype, w.segment, rowOffset, inner, x[n], x[n + 1], sums);
                    out.set(n, o, sums[0] + b);
                    out.set(n + 1, o, sums[1] + b);
                }
                for (; n < x.length; n++) {
                    out.set(n, o, dot1(w.dtype, w.segment, rowOffset, inner, x[n]) + b);
                }
            }
        });
    }

    /** One input row: four accumulators over consecutive vectors hide the FMA latency. */
    static float dot1(DType dtype, MemorySegment w, long offset, int inner, float[] x) {
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
        int size = dtype.byteSize();
        int c = 0;
        for (; c + 4 * LANES <= inner; c += 4 * LANES) {
            long at = offset + (long) c * size;
            a0 = FloatVector.fromArray(FLOATS, x, c).fma(Halves.load(dtype, w, at), a0);
            a1 = FloatVector.fromArray(FLOATS, x, c + LANES).fma(Halves.load(dtype, w, at + (long) LANES * size), a1);
            a2 = FloatVector.fromArray(FLOATS, x, c + 2 * LANES)
                    .fma(Halves.load(dtype, w, at + 2L * LANES * size), a2);
            a3 = FloatVector.fromArray(FLOATS, x, c + 3 * LANES)
                    .fma(Halves.load(dtype, w, at + 3L * LANES * size), a3);
        }
        for (; c + LANES <= inner; c += LANES) {
            a0 = FloatVector.fromArray(FLOATS, x, c).fma(Halves.load(dtype, w, offset + (long) c * size), a0);
        }
        float sum = VectorMath.sum(a0.add(a1).add(a2.add(a3)));
        for (; c < inner; c++) {
            sum += x[c] * Halves.scalar(dtype, w, offset + (long) c * size);
        }
        return sum;
    }

    /**
     * Two input rows share each converted weight vector. Each row is summed exactly as {@link #dot1} sums
     * it (same accumulators, same order), so a row's result does not depend on the rows beside it: batched
     * decoding ({@code BatchDecoder}) then gives bit for bit the answers of one sequence at a time.
     */
    static void dot2(DType dtype, MemorySegment w, long offset, int inner, float[] x0, float[] x1, float[] sums) {
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int size = dtype.byteSize();
        long step = (long) LANES * size;
        int c = 0;
        for (; c + 4 * LANES <= inner; c += 4 * LANES) {
            long at = offset + (long) c * size;
            FloatVector w0 = Halves.load(dtype, w, at);
            FloatVector w1 = Halves.load(dtype, w, at + step);
            a0 = FloatVector.fromArray(FLOATS, x0, c).fma(w0, a0);
            b0 = FloatVector.fromArray(FLOATS, x1, c).fma(w0, b0);
            a1 = FloatVector.fromArray(FLOATS, x0, c + LANES).fma(w1, a1);
            b1 = FloatVector.fromArray(FLOATS, x1, c + LANES).fma(w1, b1);
            FloatVector w2 = Halves.load(dtype, w, at + 2 * step);
            FloatVector w3 = Halves.load(dtype, w, at + 3 * step);
            a2 = FloatVector.fromArray(FLOATS, x0, c + 2 * LANES).fma(w2, a2);
            b2 = FloatVector.fromArray(FLOATS, x1, c + 2 * LANES).fma(w2, b2);
            a3 = FloatVector.fromArray(FLOATS, x0, c + 3 * LANES).fma(w3, a3);
            b3 = FloatVector.fromArray(FLOATS, x1, c + 3 * LANES).fma(w3, b3);
        }
        for (; c + LANES <= inner; c += LANES) {
            FloatVector w0 = Halves.load(dtype, w, offset + (long) c * size);
            a0 = FloatVector.fromArray(FLOATS, x0, c).fma(w0, a0);
            b0 = FloatVector.fromArray(FLOATS, x1, c).fma(w0, b0);
        }
        float sum0 = VectorMath.sum(a0.add(a1).add(a2.add(a3)));
        float sum1 = VectorMath.sum(b0.add(b1).add(b2.add(b3)));
        for (; c < inner; c++) {
            float wc = Halves.scalar(dtype, w, offset + (long) c * size);
            sum0 += x0[c] * wc;
            sum1 += x1[c] * wc;
        }
        sums[0] = sum0;
        sums[1] = sum1;
    }

    /** Input rows as arrays (the kernels read them with vector loads). */
    static float[][] rows(CpuTensor x) {
        float[][] rows = new float[x.rows][x.columns];
        for (int n = 0; n < x.rows; n++) {
            x.readRow(n, rows[n]);
        }
        return rows;
    }
}
