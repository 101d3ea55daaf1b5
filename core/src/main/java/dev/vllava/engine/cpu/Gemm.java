package dev.vllava.engine.cpu;

import static dev.vllava.engine.cpu.Halves.FLOATS;
import static dev.vllava.engine.cpu.Halves.LANES;

import dev.vllava.engine.Activation;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Matrix products for many input rows (prefill, vision): compute-bound, so blocked in the GotoBLAS way,
 * with the inputs as the packed operand and the weights as the broadcast one. Per block of at most
 * {@link #MAX_ROW_BLOCK} input rows the inputs are packed once (F32, k-major, {@link #PANEL} rows side by
 * side, so a packed vector is one k of {@link #PANEL} rows); threads then take strips of {@link #MR}
 * weight rows, convert each strip's slice of {@link #KC} inputs to F32 into a small L1 buffer with
 * contiguous vector loads, and run the micro-kernel over every panel of packed inputs. The
 * micro-kernel keeps {@link #MR} outputs × {@link #PANEL} rows of the result in 24 vector registers and
 * per step does 2 panel loads, 12 broadcasts and 24 FMAs. Each thread's strips, in groups of
 * {@link #STRIPS_PER_GROUP}, are added up over the inner blocks and then written out a row at a time,
 * with the bias and an activation applied on the way.
 *
 * <p>A last panel that is mostly padding (a vision frame's 257 rows are 8 panels and 1 row) was tried
 * packed and multiplied one vector wide instead of two: it should have saved ~5% of a frame's products
 * and measured nothing beyond the noise of this shared machine, so the code stayed out.
 *
 * <p>Why weights broadcast: packing the weights instead (the other way round) meant transposing every
 * converted weight into panels once per product, a scatter that measured ~30% of a 128-row F16
 * product; the inputs are few (128-2,100 rows against 4,096-32,064 weight rows) so transposing them is
 * under 1%, and weight rows are read once, in order, by one thread, as they stream from memory.
 *
 * <p>Every output is the same chain of FMAs over k in order ({@link #KC} at a time, blocks added in
 * order), whatever the number of rows or threads, so a row's result never depends on its neighbours.
 */
final class Gemm {

    /**
     * Weight rows per strip (micro-kernel outputs): 12 × 2 accumulators + 2 panel vectors + 1 broadcast = 27 of
     * AVX-512's 32 registers. Against 6 rows (15 registers) it loads 14 values per 24 FMAs instead of 16: 3-5%
     * more GFLOP/s at 128 and 512 prefill rows and at a vision frame's shape, one thread and two, same results
     * bit for bit (interleaved in one JVM, AMD EPYC Zen 5, 2026-12-02).
     */
    static final int MR = 12;
    /** Input rows per panel: two vectors. */
    static final int PANEL = 2 * LANES;
    /** Inner block: a strip's converted slice (12 × 256 floats, 12 KB) and one panel's block (32 KB on AVX-512) sit in L1. */
    static final int KC = 256;
    /**
     * Most input rows per row block: its packed inputs over one inner block (512 × 256 floats, 512 KB)
     * stay in a 1 MiB L2. Each row block converts every weight strip again, so the rows are split into
     * as few blocks as this allows, of equal whole panels: a vision frame's 257 rows are one block (with
     * blocks of 256 they were two, the second of 1 row, and converting every weight twice cost ~5% of
     * each product).
     */
    static final int MAX_ROW_BLOCK = 16 * PANEL;
    /** Strips accumulated together: their partial sums (48 outputs × 512 rows, 96 KB) stay in L2. */
    static final int STRIPS_PER_GROUP = 4;

    private Gemm() {}

    /**
     * The weight operand as the strips need it: any slice of a row as F32. A stored tensor widens its
     * F16/BF16/F32 values ({@link #of}); a quantized one dequantizes its codes ({@link QuantizedMatmul}),
     * so both get the same blocking and micro-kernel.
     */
    interface Weights {
        int rows();

        int columns();

        /** Values {@code [first, first + count)} of row {@code row} as F32 into {@code into[at, at + count)}. */
        void toFloats(int row, int first, int count, float[] into, int at);
    }

    /** A stored weight tensor as the operand. */
    static Weights of(CpuTensor w) {
        return new Weights() {
            @Override
            public int rows() {
                return w.rows;
            }

            @Override
            public int columns() {
                return w.columns;
            }

            @Override
            public void toFloats(int row, int first, int count, float[] into, int at) {
                Halves.toFloats(w.dtype, w.segment, w.byteOffset(row, first), count, into, at);
            }
        };
    }

    /** {@code out[n, o] = x[n]·w[o] (+ bias[biasOffset + o])} for all rows of x (F32) and all rows of w. */
    static void run(ParallelLoop loop, CpuTensor out, CpuTensor x, Weights w, float[] bias, int biasOffset) {
        run(loop, out, x, w, bias, biasOffset, null);
    }

    /**
     * As {@link #run(ParallelLoop, CpuTensor, CpuTensor, Weights, float[], int)}, then {@code fn} (null:
     * none) on each output as it is written, with the same result as {@link Activations#apply} over each
     * whole row of {@code out} afterwards when {@code out} starts at a row's first column (what
     * {@link Matmul} passes): that pass read and wrote every output again, ~7% of a vision frame.
     */
    static void run(ParallelLoop loop, CpuTensor out, CpuTensor x, Weights w, float[] bias, int biasOffset,
                    Activation fn) {
        int strips = ParallelLoop.ceilDiv(w.rows(), MR);
        int groups = ParallelLoop.ceilDiv(strips, STRIPS_PER_GROUP);
        int rowBlock = rowBlock(x.rows);
        for (int n0 = 0; n0 < x.rows; n0 += rowBlock) {
            int rows = Math.min(rowBlock, x.rows - n0);
            float[] packed = packInputs(loop, x, n0, rows);
            int first = n0;
            // Whole groups per thread, so that every group's first output is a multiple of 48 (of the vector
            // width) and the activation splits each row into vector and scalar parts where a whole-row pass would.
            loop.forRange(groups, 1, (start, end) -> {
                Scratch scratch = SCRATCH.get();
                for (int group = start; group < end; group++) {
                    int firstStrip = group * STRIPS_PER_GROUP;
                    stripGroup(out, w, packed, first, rows, firstStrip, Math.min(strips, firstStrip + STRIPS_PER_GROUP),
                            bias, biasOffset, fn, scratch);
                }
            });
        }
    }

    /** Rows per block: the fewest blocks of at most {@link #MAX_ROW_BLOCK} rows, each of whole panels. */
    static int rowBlock(int rows) {
        int panels = ParallelLoop.ceilDiv(rows, PANEL);
        int blocks = ParallelLoop.ceilDiv(panels, MAX_ROW_BLOCK / PANEL);
        return ParallelLoop.ceilDiv(panels, blocks) * PANEL;
    }

    /**
     * Rows [n0, n0 + rows) of x, k-major per panel: for inner block kb (width kc) and panel p,
     * {@code packed[kb·paddedRows + p·PANEL·kc + k·PANEL + j] = x[n0 + p·PANEL + j][kb + k]}, zero past the last row.
     * The array belongs to the calling thread and is reused by its next products.
     */
    private static float[] packInputs(ParallelLoop loop, CpuTensor x, int n0, int rows) {
        int panels = ParallelLoop.ceilDiv(rows, PANEL);
        int inner = x.columns;
        int size = panels * PANEL * inner;
        float[] packed = PACKED_INPUTS.get();
        if (packed.length < size) {
            packed = new float[size];
            PACKED_INPUTS.set(packed);
        }
        float[] into = packed;
        int paddedRows = panels * PANEL;
        loop.forRange(paddedRows, PANEL, (start, end) -> {
            float[] row = new float[inner];
            for (int j = start; j < end; j++) {
                int panel = j / PANEL;
                int lane = j % PANEL;
                if (j < rows) {
                    x.readRow(n0 + j, row);
                } else {
                    Arrays.fill(row, 0f);
                }
                for (int kb = 0; kb < inner; kb += KC) {
                    int kc = Math.min(KC, inner - kb);
                    int at = kb * paddedRows + panel * PANEL * kc + lane;
                    for (int k = 0; k < kc; k++) {
                        into[at + k * PANEL] = row[kb + k];
                    }
                }
            }
        });
        return packed;
    }

    /** Strips [firstStrip, endStrip) (at most {@link #STRIPS_PER_GROUP}) against every packed panel, then written out. */
    private static void stripGroup(CpuTensor out, Weights w, float[] packed, int n0, int rows, int firstStrip,
                                   int endStrip, float[] bias, int biasOffset, Activation fn, Scratch s) {
        int inner = w.columns();
        int panels = ParallelLoop.ceilDiv(rows, PANEL);
        int paddedRows = panels * PANEL;
        for (int kb = 0; kb < inner; kb += KC) {
            int kc = Math.min(KC, inner - kb);
            boolean firstBlock = kb == 0;
            for (int strip = firstStrip; strip < endStrip; strip++) {
                convertStrip(w, strip * MR, kb, kc, s.strip);
                int accAt = (strip - firstStrip) * MR * paddedRows;
                for (int p = 0; p < panels; p++) {
                    kernel(s.strip, kc, packed, kb * paddedRows + p * PANEL * kc, s.tile);
                    accumulate(s.tile, s.sums, accAt + p * PANEL, paddedRows, firstBlock);
                }
            }
        }
        writeOut(out, s.sums, paddedRows, n0, rows, firstStrip * MR, Math.min(endStrip * MR, w.rows()), bias,
                biasOffset, fn, s.row);
    }

    /**
     * Outputs [o0, o1) of rows [n0, n0 + rows) from {@code sums} (output-major, {@code stride} per
     * output), plus bias, through {@code fn}: a row at a time, so each row's outputs are written side by
     * side (the sums are read across; they sit in L2, the output rows are 4-16 KB apart).
     */
    private static void writeOut(CpuTensor out, float[] sums, int stride, int n0, int rows, int o0, int o1,
                                 float[] bias, int biasOffset, Activation fn, float[] row) {
        int count = o1 - o0;
        for (int n = 0; n < rows; n++) {
            for (int j = 0; j < count; j++) {
                row[j] = sums[j * stride + n] + (bias == null ? 0f : bias[biasOffset + o0 + j]);
            }
            if (fn != null) {
                Activations.apply(fn, row, count);
            }
            MemorySegment.copy(row, 0, out.segment, CpuTensor.F32, out.byteOffset(n0 + n, o0), count);
        }
    }

    /** Weight rows [o0, o0 + MR) × inputs [kb, kb + kc) as F32, row r at {@code strip[r·KC]}; rows past the end are zero. */
    private static void convertStrip(Weights w, int o0, int kb, int kc, float[] strip) {
        for (int r = 0; r < MR; r++) {
            if (o0 + r < w.rows()) {
                w.toFloats(o0 + r, kb, kc, strip, r * KC);
            } else {
                Arrays.fill(strip, r * KC, r * KC + kc, 0f);
            }
        }
    }

    /** A tile row per output: {@code sums[at + r·stride, + PANEL) (+)= tile[r·PANEL, + PANEL)}. */
    private static void accumulate(float[] tile, float[] sums, int at, int stride, boolean first) {
        for (int r = 0; r < MR; r++) {
            int to = at + r * stride;
            FloatVector v0 = FloatVector.fromArray(FLOATS, tile, r * PANEL);
            FloatVector v1 = FloatVector.fromArray(FLOATS, tile, r * PANEL + LANES);
            if (!first) {
                v0 = v0.add(FloatVector.fromArray(FLOATS, sums, to));
                v1 = v1.add(FloatVector.fromArray(FLOATS, sums, to + LANES));
            }
            v0.intoArray(sums, to);
            v1.intoArray(sums, to + LANES);
        }
    }

    /** The caller's packed inputs, grown to the largest row block × inner size it has multiplied. */
    private static final ThreadLocal<float[]> PACKED_INPUTS = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * Kept per thread and reused: a fresh one per call and task was about 10% of a 7B prefill's CPU
     * time. Threads run one chunk body at a time, and nothing inside a body starts another matmul, so a
     * thread's scratch is never in use twice at once.
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread buffers: a converted weight strip, a result tile, a strip group's partial sums and one row of them. */
    private static final class Scratch {
        final float[] strip = new float[MR * KC];
        final float[] tile = new float[MR * PANEL];
        final float[] sums = new float[STRIPS_PER_GROUP * MR * MAX_ROW_BLOCK];
        final float[] row = new float[STRIPS_PER_GROUP * MR];
    }

    /**
     * The micro-kernel: {@code tile (12 outputs × PANEL rows) = strip (12 × kc) · panel (kc × PANEL)}. It
     * writes a plain array: storing straight into a segment from here measured 7× slower (C2 then kept
     * the accumulators boxed through the loop).
     */
    static void kernel(float[] strip, int kc, float[] packed, int panel, float[] tile) {
        FloatVector c00 = FloatVector.zero(FLOATS), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00;
        FloatVector c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
        for (int k = 0; k < kc; k++) {
            int at = panel + k * PANEL;
            FloatVector b0 = FloatVector.fromArray(FLOATS, packed, at);
            FloatVector b1 = FloatVector.fromArray(FLOATS, packed, at + LANES);
            FloatVector a = FloatVector.broadcast(FLOATS, strip[k]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(FLOATS, strip[KC + k]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(FLOATS, strip[2 * KC + k]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(FLOATS, strip[3 * KC + k]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(FLOATS, strip[4 * KC + k]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(FLOATS, strip[5 * KC + k]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(FLOATS, strip[6 * KC + k]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(FLOATS, strip[7 * KC + k]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(FLOATS, strip[8 * KC + k]);
            c80 = a.fma(b0, c80);
            c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(FLOATS, strip[9 * KC + k]);
            c90 = a.fma(b0, c90);
            c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(FLOATS, strip[10 * KC + k]);
            ca0 = a.fma(b0, ca0);
            ca1 = a.fma(b1, ca1);
            a = FloatVector.broadcast(FLOATS, strip[11 * KC + k]);
            cb0 = a.fma(b0, cb0);
            cb1 = a.fma(b1, cb1);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, LANES);
        c10.intoArray(tile, PANEL);
        c11.intoArray(tile, PANEL + LANES);
        c20.intoArray(tile, 2 * PANEL);
        c21.intoArray(tile, 2 * PANEL + LANES);
        c30.intoArray(tile, 3 * PANEL);
        c31.intoArray(tile, 3 * PANEL + LANES);
        c40.intoArray(tile, 4 * PANEL);
        c41.intoArray(tile, 4 * PANEL + LANES);
        c50.intoArray(tile, 5 * PANEL);
        c51.intoArray(tile, 5 * PANEL + LANES);
        c60.intoArray(tile, 6 * PANEL);
        c61.intoArray(tile, 6 * PANEL + LANES);
        c70.intoArray(tile, 7 * PANEL);
        c71.intoArray(tile, 7 * PANEL + LANES);
        c80.intoArray(tile, 8 * PANEL);
        c81.intoArray(tile, 8 * PANEL + LANES);
        c90.intoArray(tile, 9 * PANEL);
        c91.intoArray(tile, 9 * PANEL + LANES);
        ca0.intoArray(tile, 10 * PANEL);
        ca1.intoArray(tile, 10 * PANEL + LANES);
        cb0.intoArray(tile, 11 * PANEL);
        cb1.intoArray(tile, 11 * PANEL + LANES);
    }

    static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }
}
