package dev.vllava.engine.cpu;

import static dev.vllava.engine.cpu.Halves.FLOATS;
import static dev.vllava.engine.cpu.Halves.LANES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Matrix-vector products for a few input rows (decode): memory-bound, so each weight row is read
 * once, converted a chunk at a time into an L1-resident buffer and multiplied by every input row
 * while it is there. Threads split the weight rows.
 */
final class Gemv {

    /** Up to this many input rows share one pass over the weights. */
    static final int MAX_ROWS = 8;
    /** Weight values converted at a time: 4 KB of floats stays in L1 while all input rows use it. */
    private static final int CHUNK = 1024;
    /** Two accumulators per input row hide the FMA latency. */
    private static final int STEP = 2 * LANES;

    private Gemv() {}

    /**
     * {@code out[n, o] = x[n]·w[o] + bias[biasOffset + o]} for every weight row o; {@code x} rows
     * are zero-padded to a multiple of {@link #STEP}.
     */
    static void run(ParallelLoop loop, CpuTensor out, float[][] x, CpuTensor w, float[] bias, int biasOffset) {
        int inner = w.columns;
        int rows = x.length;
        loop.forRange(w.rows, 64, (start, end) -> {
            float[] chunk = new float[CHUNK];
            float[] acc = new float[rows * STEP];
            for (int o = start; o < end; o++) {
                Arrays.fill(acc, 0f);
                long rowOffset = w.byteOffset(o, 0);
                for (int c0 = 0; c0 < inner; c0 += CHUNK) {
                    int length = Math.min(CHUNK, inner - c0);
                    Halves.toFloats(w.dtype, w.segment, rowOffset + (long) c0 * w.dtype.byteSize(), length, chunk);
                    int padded = roundUp(length, STEP);
                    Arrays.fill(chunk, length, padded, 0f);
                    for (int n = 0; n < rows; n++) {
                        accumulate(x[n], c0, chunk, padded, acc, n * STEP);
                    }
                }
                float b = bias == null ? 0f : bias[biasOffset + o];
                for (int n = 0; n < rows; n++) {
                    FloatVector sum = FloatVector.fromArray(FLOATS, acc, n * STEP)
                            .add(FloatVector.fromArray(FLOATS, acc, n * STEP + LANES));
                    out.set(n, o, sum.reduceLanes(VectorOperators.ADD) + b);
                }
            }
        });
    }

    private static void accumulate(float[] x, int xOffset, float[] weights, int length, float[] acc, int at) {
        FloatVector a0 = FloatVector.fromArray(FLOATS, acc, at);
        FloatVector a1 = FloatVector.fromArray(FLOATS, acc, at + LANES);
        for (int c = 0; c < length; c += STEP) {
            a0 = FloatVector.fromArray(FLOATS, x, xOffset + c).fma(FloatVector.fromArray(FLOATS, weights, c), a0);
            a1 = FloatVector.fromArray(FLOATS, x, xOffset + c + LANES)
                    .fma(FloatVector.fromArray(FLOATS, weights, c + LANES), a1);
        }
        a0.intoArray(acc, at);
        a1.intoArray(acc, at + LANES);
    }

    /** Input rows as zero-padded arrays, as {@link #run} reads them. */
    static float[][] paddedRows(CpuTensor x) {
        float[][] rows = new float[x.rows][roundUp(x.columns, STEP)];
        for (int n = 0; n < x.rows; n++) {
            x.readRow(n, rows[n]);
        }
        return rows;
    }

    static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }
}
