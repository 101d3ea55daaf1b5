package dev.vllava.engine.cpu;

import static dev.vllava.engine.cpu.Halves.FLOATS;
import static dev.vllava.engine.cpu.Halves.LANES;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Matrix products for many input rows (prefill, vision): compute-bound, so blocked in the classic
 * GotoBLAS way. A block of {@link #BLOCK_OUTPUTS} weight rows × {@link #BLOCK_INNER} inputs is
 * converted to F32 once and packed as panels of {@link #PANEL} outputs laid out k-major; every input
 * row then reuses it. The micro-kernel keeps a {@link #MR} rows × {@link #PANEL} outputs tile of
 * the result in 12 vector registers and per step does 2 panel loads, 6 broadcasts and 12 FMAs.
 *
 * <p>Sizes: a packed block is 256 × 256 floats = 256 KB (in L2); one panel × BLOCK_INNER is
 * 2 vectors × 256 × 4 B = 16 KB (AVX2) / 32 KB (AVX-512), in or near L1.
 *
 * <p>Measured per CPU-second of one AVX-512 core: the micro-kernel alone 199 GFLOP/s (the FMA
 * peak), the whole F16 product 512×4096 · 4096×4096ᵀ 143 GFLOP/s (packing, edges, stores).
 */
final class Gemm {

    /** Input rows per micro-kernel tile; 6 × 2 accumulators + 2 panel vectors + 1 broadcast = 15 registers. */
    static final int MR = 6;
    /** Output columns per panel: two vectors. */
    static final int PANEL = 2 * LANES;
    static final int BLOCK_OUTPUTS = 256;
    static final int BLOCK_INNER = 256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Gemm() {}

    /** {@code out[n, o] = x[n]·w[o] (+ bias)} for all rows of x (F32) and all rows of w. */
    static void run(ParallelLoop loop, CpuTensor out, CpuTensor x, CpuTensor w, float[] bias, int biasOffset) {
        int outputBlocks = ParallelLoop.ceilDiv(w.rows, BLOCK_OUTPUTS);
        // Enough tasks for every thread even when there are few output blocks: split rows too.
        int rowParts = Math.max(1, Math.min(ParallelLoop.ceilDiv(2 * loop.threads(), outputBlocks),
                ParallelLoop.ceilDiv(x.rows, 8 * MR)));
        int rowsPerPart = roundUp(ParallelLoop.ceilDiv(x.rows, rowParts), MR);
        loop.forRange(outputBlocks * rowParts, 1, (start, end) -> {
            Scratch scratch = SCRATCH.get();
            for (int task = start; task < end; task++) {
                int block = task / rowParts;
                int part = task % rowParts;
                int o0 = block * BLOCK_OUTPUTS;
                int n0 = part * rowsPerPart;
                int n1 = Math.min(x.rows, n0 + rowsPerPart);
                if (n0 < n1) {
                    block(out, x, w, o0, Math.min(BLOCK_OUTPUTS, w.rows - o0), n0, n1, scratch);
                }
            }
        });
        if (bias != null) {
            addBias(loop, out, bias, biasOffset);
        }
    }

    /**
     * Kept per thread and reused: a fresh one per call and task (256 KB zeroed each time) was about
     * 10% of a 7B prefill's CPU time. Threads run one task body at a time, and nothing inside a
     * body starts another matmul, so a thread's scratch is never in use twice at once.
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread buffers: the packed weight block, a converted weight row and an input tile. */
    private static final class Scratch {
        final float[] packed = new float[BLOCK_OUTPUTS / PANEL * PANEL * BLOCK_INNER + PANEL * BLOCK_INNER];
        final float[] weightRow = new float[BLOCK_INNER];
        final float[] inputs = new float[MR * BLOCK_INNER];
        final float[] tile = new float[MR * PANEL];
    }

    private static void block(CpuTensor out, CpuTensor x, CpuTensor w, int o0, int outputs, int n0, int n1,
                              Scratch s) {
        int panels = ParallelLoop.ceilDiv(outputs, PANEL);
        for (int k0 = 0; k0 < x.columns; k0 += BLOCK_INNER) {
            int kc = Math.min(BLOCK_INNER, x.columns - k0);
            pack(w, o0, outputs, k0, kc, s);
            boolean first = k0 == 0;
            for (int n = n0; n < n1; n += MR) {
                int mr = Math.min(MR, n1 - n);
                for (int r = 0; r < mr; r++) {
                    MemorySegment.copy(x.segment, CpuTensor.F32, x.byteOffset(n + r, k0), s.inputs, r * kc, kc);
                }
                for (int p = 0; p < panels; p++) {
                    int width = Math.min(PANEL, outputs - p * PANEL);
                    long outAt = out.byteOffset(n, o0 + p * PANEL);
                    long outRowBytes = (long) out.rowStride * Float.BYTES;
                    if (mr == MR) {
                        kernel6(s.inputs, kc, s.packed, p * PANEL * kc, s.tile);
                    } else {
                        kernelRows(mr, s.inputs, kc, s.packed, p * PANEL * kc, s.tile);
                    }
                    for (int r = 0; r < mr; r++) {
                        store(out.segment, outAt + r * outRowBytes, width, first, s.tile, r * PANEL);
                    }
                }
            }
        }
    }

    /** Weight rows [o0, o0+outputs) × inputs [k0, k0+kc) into panels: packed[p][k][j] = w[o0 + p·PANEL + j][k0 + k]. */
    private static void pack(CpuTensor w, int o0, int outputs, int k0, int kc, Scratch s) {
        int panels = ParallelLoop.ceilDiv(outputs, PANEL);
        float[] packed = s.packed;
        for (int j = 0; j < panels * PANEL; j++) {
            int panelBase = (j / PANEL) * PANEL * kc;
            int lane = j % PANEL;
            if (j >= outputs) {
                for (int k = 0; k < kc; k++) {
                    packed[panelBase + k * PANEL + lane] = 0f;
                }
                continue;
            }
            Halves.toFloats(w.dtype, w.segment, w.byteOffset(o0 + j, k0), kc, s.weightRow);
            float[] row = s.weightRow;
            for (int k = 0; k < kc; k++) {
                packed[panelBase + k * PANEL + lane] = row[k];
            }
        }
    }

    /**
     * The 6-row micro-kernel: {@code tile (6 × PANEL) = inputs (6 × kc) · panel (kc × PANEL)}. It
     * writes a plain array: storing straight into the output segment from here measured 7× slower
     * (C2 then kept the accumulators boxed through the loop).
     */
    static void kernel6(float[] in, int kc, float[] packed, int panel, float[] tile) {
        FloatVector c00 = FloatVector.zero(FLOATS), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int k = 0; k < kc; k++) {
            int at = panel + k * PANEL;
            FloatVector b0 = FloatVector.fromArray(FLOATS, packed, at);
            FloatVector b1 = FloatVector.fromArray(FLOATS, packed, at + LANES);
            FloatVector a = FloatVector.broadcast(FLOATS, in[k]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(FLOATS, in[kc + k]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(FLOATS, in[2 * kc + k]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(FLOATS, in[3 * kc + k]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(FLOATS, in[4 * kc + k]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(FLOATS, in[5 * kc + k]);
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

    /** Fewer than 6 rows (the last tile): one row at a time. */
    private static void kernelRows(int rows, float[] in, int kc, float[] packed, int panel, float[] tile) {
        for (int r = 0; r < rows; r++) {
            FloatVector c0 = FloatVector.zero(FLOATS);
            FloatVector c1 = c0;
            for (int k = 0; k < kc; k++) {
                int at = panel + k * PANEL;
                FloatVector a = FloatVector.broadcast(FLOATS, in[r * kc + k]);
                c0 = a.fma(FloatVector.fromArray(FLOATS, packed, at), c0);
                c1 = a.fma(FloatVector.fromArray(FLOATS, packed, at + LANES), c1);
            }
            c0.intoArray(tile, r * PANEL);
            c1.intoArray(tile, r * PANEL + LANES);
        }
    }

    /** Writes (first k block) or adds (later blocks) one row of a tile; {@code width} valid columns. */
    private static void store(MemorySegment out, long at, int width, boolean first, float[] tile, int tileAt) {
        FloatVector v0 = FloatVector.fromArray(FLOATS, tile, tileAt);
        FloatVector v1 = FloatVector.fromArray(FLOATS, tile, tileAt + LANES);
        if (width == PANEL) {
            if (!first) {
                v0 = v0.add(FloatVector.fromMemorySegment(FLOATS, out, at, LE));
                v1 = v1.add(FloatVector.fromMemorySegment(FLOATS, out, at + 4L * LANES, LE));
            }
            v0.intoMemorySegment(out, at, LE);
            v1.intoMemorySegment(out, at + 4L * LANES, LE);
            return;
        }
        VectorMask<Float> m0 = FLOATS.indexInRange(0, width);
        VectorMask<Float> m1 = FLOATS.indexInRange(LANES, width);
        if (!first) {
            v0 = v0.add(FloatVector.fromMemorySegment(FLOATS, out, at, LE, m0));
            v1 = v1.add(FloatVector.fromMemorySegment(FLOATS, out, at + 4L * LANES, LE, m1));
        }
        v0.intoMemorySegment(out, at, LE, m0);
        v1.intoMemorySegment(out, at + 4L * LANES, LE, m1);
    }

    private static void addBias(ParallelLoop loop, CpuTensor out, float[] bias, int biasOffset) {
        loop.forRange(out.rows, 16, (start, end) -> {
            for (int n = start; n < end; n++) {
                for (int o = 0; o < out.columns; o++) {
                    out.set(n, o, out.get(n, o) + bias[biasOffset + o]);
                }
            }
        });
    }

    static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }
}
