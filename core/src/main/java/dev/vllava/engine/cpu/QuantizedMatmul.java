package dev.vllava.engine.cpu;

import dev.vllava.checkpoint.quant.QuantizedLayout;
import java.lang.foreign.MemorySegment;

/**
 * {@code out[n,o] = Σ_i x[n,i]·w[o,i] + bias[o]} for a {@link QuantizedWeight}. A few input rows
 * (decode) take the memory-bound path: each code row is streamed once per input row and widened in
 * registers ({@link QuantizedRows#dot}), so the bytes read per token shrink with the bits. Many
 * rows (prefill) take {@link Gemm} itself, with the codes as its weight operand: each strip's slice
 * is dequantized into Gemm's F32 strip buffer where a stored weight would be widened, then the same
 * micro-kernel runs it against every packed input panel.
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
                Gemm.run(loop, target, x, new Dequantized(part), bias, column);
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
            inputs[n] = QuantizedRows.input(x[n], layout);
        }
        loop.forRange(part.rows(), 64, (start, end) -> {
            float[] scales = new float[(int) layout.groupsPerRow()];
            for (int o = start; o < end; o++) {
                QuantizedRows.rowScales(layout, o, scales);
                float b = bias == null ? 0f : bias[biasOffset + o];
                for (int n = 0; n < inputs.length; n++) {
                    out.set(n, o, QuantizedRows.dot(layout, codes, o, inputs[n], scales) + b);
                }
            }
        });
    }

    /** A part's rows dequantized a slice at a time: {@link Gemm}'s weight operand. */
    private record Dequantized(QuantizedWeight.Part part) implements Gemm.Weights {
        @Override
        public int rows() {
            return part.rows();
        }

        @Override
        public int columns() {
            return (int) part.layout().columns();
        }

        @Override
        public void toFloats(int row, int first, int count, float[] into, int at) {
            QuantizedRows.dequantize(part.layout(), part.data().data(), row, first, count, into, at);
        }
    }

}
