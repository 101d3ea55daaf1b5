package dev.vllava.engine.cpu;

import dev.vllava.checkpoint.quant.QuantizedLayout;
import java.lang.foreign.MemorySegment;

/**
 * {@code out[n,o] = Σ_i x[n,i]·w[o,i] + bias[o]} for a {@link QuantizedWeight}. A few input rows
 * (decode) take the memory-bound path: each code row is streamed once per input row and widened in
 * registers ({@link QuantizedRows#dot}), so the bytes read per token shrink with the bits. Many
 * rows (prefill) take {@link Gemm}'s blocked scheme: a block of weight rows is dequantized to F32
 * panels once and reused by every input row through {@link Gemm#kernel6}.
 */
final class QuantizedMatmul {

    private QuantizedMatmul() {}

    static void run(ParallelLoop loop, CpuTensor out, CpuTensor x, QuantizedWeight w, float[] bias) {
        int column = 0;
        for (QuantizedWeight.Part part : w.parts) {
            CpuTensor target = out.columnSlice(column, part.rows());
            if (x.rows <= Gemv.MAX_ROWS) {
                gemv(loop, target, Gemv.rows(x), part, bias, column);
            } else {
                gemm(loop, target, x, part, bias, column);
            }
            column += part.rows();
        }
    }

    private static void gemv(ParallelLoop loop, CpuTensor out, float[][] x, QuantizedWeight.Part part, float[] bias,
                             int biasOffset) {
        QuantizedLayout layout = part.layout();
        MemorySegment codes = part.data().data();
        float[][] inputs = new float[x.length][];
        for (int n = 0; n < x.length; n++) {
            inputs[n] = layout.bits() == 4 ? QuantizedRows.deinterleave(x[n], layout.groupSize()) : x[n];
        }
        loop.forRange(part.rows(), 64, (start, end) -> {
            for (int o = start; o < end; o++) {
                float b = bias == null ? 0f : bias[biasOffset + o];
                for (int n = 0; n < inputs.length; n++) {
                    out.set(n, o, QuantizedRows.dot(layout, codes, o, inputs[n]) + b);
                }
            }
        });
    }

    // ---- prefill ------------------------------------------------------------------------------

    private static final int MR = Gemm.MR;
    private static final int PANEL = Gemm.PANEL;
    private static final int BLOCK_OUTPUTS = Gemm.BLOCK_OUTPUTS;

    /** Per-thread buffers, reused as {@link Gemm} does (nothing inside a task starts another matmul). */
    private static final class Scratch {
        float[] packed = new float[0];
        float[] row = new float[0];
        float[] inputs = new float[0];
        float[] pairs = new float[0];
        final float[] tile = new float[MR * PANEL];

        void ensure(int kc) {
            if (row.length < kc) {
                packed = new float[BLOCK_OUTPUTS * kc];
                row = new float[kc];
                inputs = new float[MR * kc];
                pairs = new float[kc];
            }
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static void gemm(ParallelLoop loop, CpuTensor out, CpuTensor x, QuantizedWeight.Part part, float[] bias,
                             int biasOffset) {
        QuantizedLayout layout = part.layout();
        // k blocks are whole groups, near Gemm's 256 inputs
        int kBlock = Math.max(layout.groupSize(), Gemm.BLOCK_INNER / layout.groupSize() * layout.groupSize());
        int outputBlocks = ParallelLoop.ceilDiv(part.rows(), BLOCK_OUTPUTS);
        int rowParts = Math.max(1, Math.min(ParallelLoop.ceilDiv(2 * loop.threads(), outputBlocks),
                ParallelLoop.ceilDiv(x.rows, 8 * MR)));
        int rowsPerPart = Gemm.roundUp(ParallelLoop.ceilDiv(x.rows, rowParts), MR);
        loop.forRange(outputBlocks * rowParts, 1, (start, end) -> {
            Scratch s = SCRATCH.get();
            s.ensure(kBlock);
            for (int task = start; task < end; task++) {
                int o0 = task / rowParts * BLOCK_OUTPUTS;
                int n0 = task % rowParts * rowsPerPart;
                int n1 = Math.min(x.rows, n0 + rowsPerPart);
                if (n0 < n1) {
                    block(out, x, part, o0, Math.min(BLOCK_OUTPUTS, part.rows() - o0), n0, n1, kBlock, s);
                }
            }
        });
        if (bias != null) {
            for (int n = 0; n < out.rows; n++) {
                for (int o = 0; o < out.columns; o++) {
                    out.set(n, o, out.get(n, o) + bias[biasOffset + o]);
                }
            }
        }
    }

    private static void block(CpuTensor out, CpuTensor x, QuantizedWeight.Part part, int o0, int outputs, int n0, int n1,
                              int kBlock, Scratch s) {
        int panels = ParallelLoop.ceilDiv(outputs, PANEL);
        for (int k0 = 0; k0 < x.columns; k0 += kBlock) {
            int kc = Math.min(kBlock, x.columns - k0);
            pack(part, o0, outputs, k0, kc, s);
            boolean first = k0 == 0;
            for (int n = n0; n < n1; n += MR) {
                int mr = Math.min(MR, n1 - n);
                for (int r = 0; r < mr; r++) {
                    MemorySegment.copy(x.segment, CpuTensor.F32, x.byteOffset(n + r, k0), s.inputs, r * kc, kc);
                }
                for (int r = mr; r < MR; r++) {
                    java.util.Arrays.fill(s.inputs, r * kc, (r + 1) * kc, 0f);
                }
                for (int p = 0; p < panels; p++) {
                    Gemm.kernel6(s.inputs, kc, s.packed, p * PANEL * kc, s.tile);
                    int width = Math.min(PANEL, outputs - p * PANEL);
                    for (int r = 0; r < mr; r++) {
                        for (int j = 0; j < width; j++) {
                            int o = o0 + p * PANEL + j;
                            float value = s.tile[r * PANEL + j];
                            out.set(n + r, o, first ? value : out.get(n + r, o) + value);
                        }
                    }
                }
            }
        }
    }

    /** Rows [o0, o0+outputs) × inputs [k0, k0+kc) dequantized into panels: packed[p][k][j] = w[o0 + p·PANEL + j][k0 + k]. */
    private static void pack(QuantizedWeight.Part part, int o0, int outputs, int k0, int kc, Scratch s) {
        int panels = ParallelLoop.ceilDiv(outputs, PANEL);
        for (int j = 0; j < panels * PANEL; j++) {
            int panelBase = (j / PANEL) * PANEL * kc;
            int lane = j % PANEL;
            if (j >= outputs) {
                for (int k = 0; k < kc; k++) {
                    s.packed[panelBase + k * PANEL + lane] = 0f;
                }
                continue;
            }
            QuantizedRows.dequantize(part.layout(), part.data().data(), o0 + j, k0, kc, s.row, s.pairs);
            for (int k = 0; k < kc; k++) {
                s.packed[panelBase + k * PANEL + lane] = s.row[k];
            }
        }
    }
}
