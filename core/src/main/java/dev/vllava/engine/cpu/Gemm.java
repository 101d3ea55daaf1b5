package dev.vllava.engine.cpu;

import static dev.vllava.engine.cpu.Halves.FLOATS;
import static dev.vllava.engine.cpu.Halves.LANES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Matrix products for many input rows (prefill, vision): compute-bound, so blocked in the GotoBLAS way,
 * with the inputs as the packed operand and the weights as the broadcast one. Per block of
 * {@link #ROW_BLOCK} input rows the inputs are packed once (F32, k-major, {@link #PANEL} rows side by
 * side, so a packed vector is one k of {@link #PANEL} rows); threads then take strips of {@link #MR}
 * weight rows, convert each strip's slice of {@link #KC} inputs to F32 into a small L1 buffer with
 * contiguous vector loads, and run the micro-kernel over every panel of packed inputs. The
 * micro-kernel keeps {@link #MR} outputs × {@link #PANEL} rows of the result in 12 vector registers and
 * per step does 2 panel loads, 6 broadcasts and 12 FMAs.
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

    /** Weight rows per strip (micro-kernel outputs): 6 × 2 accumulators + 2 panel vectors + 1 broadcast = 15 registers. */
    static final int MR = 6;
    /** Input rows per panel: two vectors. */
    static final int PANEL = 2 * LANES;
    /** Inner block: a strip's converted slice (6 × 256 floats, 6 KB) and one panel's block (32 KB on AVX-512) sit in L1. */
    static final int KC = 256;
    /** Input rows per row block: its packed inputs over one inner block (256 × 256 floats, 256 KB) stay in L2. */
    static final int ROW_BLOCK = 8 * PANEL;
    /** Strips accumulated together: their partial sums (48 outputs × ROW_BLOCK rows, 48 KB on AVX-512) stay in L1/L2. */
    static final int STRIPS_PER_GROUP = 8;

    private Gemm() {}

    /** {@code out[n, o] = x[n]·w[o] (+ bias)} for all rows of x (F32) and all rows of w. */
    static void run(ParallelLoop loop, CpuTensor out, CpuTensor x, CpuTensor w, float[] bias, int biasOffset) {
        int strips = ParallelLoop.ceilDiv(w.rows, MR);
        for (int n0 = 0; n0 < x.rows; n0 += ROW_BLOCK) {
            int rows = Math.min(ROW_BLOCK, x.rows - n0);
            float[] packed = packInputs(loop, x, n0, rows);
            int first = n0;
            loop.forRange(strips, STRIPS_PER_GROUP, (start, end) -> {
                Scratch scratch = SCRATCH.get();
                for (int group = start; group < end; group += STRIPS_PER_GROUP) {
                    stripGroup(out, w, packed, first, rows, group, Math.min(end, group + STRIPS_PER_GROUP), bias,
                            biasOffset, scratch);
                }
            });
        }
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
    private static void stripGroup(CpuTensor out, CpuTensor w, float[] packed, int n0, int rows, int firstStrip,
                                   int endStrip, float[] bias, int biasOffset, Scratch s) {
        int inner = w.columns;
        int panels = ParallelLoop.ceilDiv(rows, PANEL);
        int paddedRows = panels * PANEL;
        for (int kb = 0; kb < inner; kb += KC) {
            int kc = Math.min(KC, inner - kb);
            boolean firstBlock = kb == 0;
            for (int strip = firstStrip; strip < endStrip; strip++) {
                convertStrip(w, strip * MR, kb, kc, s.strip);
                int accAt = (strip - firstStrip) * MR * ROW_BLOCK;
                for (int p = 0; p < panels; p++) {
                    kernel(s.strip, kc, packed, kb * paddedRows + p * PANEL * kc, s.tile);
                    accumulate(s.tile, s.sums, accAt + p * PANEL, firstBlock);
                }
            }
        }
        for (int strip = firstStrip; strip < endStrip; strip++) {
            for (int r = 0; r < MR && strip * MR + r < w.rows; r++) {
                int o = strip * MR + r;
                float b = bias == null ? 0f : bias[biasOffset + o];
                int accAt = ((strip - firstStrip) * MR + r) * ROW_BLOCK;
                for (int n = 0; n < rows; n++) {
                    out.set(n0 + n, o, s.sums[accAt + n] + b);
                }
            }
        }
    }

    /** Weight rows [o0, o0 + MR) × inputs [kb, kb + kc) as F32, row r at {@code strip[r·KC]}; rows past the end are zero. */
    private static void convertStrip(CpuTensor w, int o0, int kb, int kc, float[] strip) {
        for (int r = 0; r < MR; r++) {
            if (o0 + r < w.rows) {
                Halves.toFloats(w.dtype, w.segment, w.byteOffset(o0 + r, kb), kc, strip, r * KC);
            } else {
                Arrays.fill(strip, r * KC, r * KC + kc, 0f);
            }
        }
    }

    /** A tile row per output: {@code sums[at + r·ROW_BLOCK, + PANEL) (+)= tile[r·PANEL, + PANEL)}. */
    private static void accumulate(float[] tile, float[] sums, int at, boolean first) {
        for (int r = 0; r < MR; r++) {
            int to = at + r * ROW_BLOCK;
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

    /** Per-thread buffers: a converted weight strip, a result tile and a strip group's partial sums. */
    private static final class Scratch {
        final float[] strip = new float[MR * KC];
        final float[] tile = new float[MR * PANEL];
        final float[] sums = new float[STRIPS_PER_GROUP * MR * ROW_BLOCK];
    }

    /**
     * The micro-kernel: {@code tile (6 outputs × PANEL rows) = strip (6 × kc) · panel (kc × PANEL)}. It
     * writes a plain array: storing straight into a segment from here measured 7× slower (C2 then kept
     * the accumulators boxed through the loop).
     */
    static void kernel(float[] strip, int kc, float[] packed, int panel, float[] tile) {
        FloatVector c00 = FloatVector.zero(FLOATS), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
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
    }

    static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }
}
