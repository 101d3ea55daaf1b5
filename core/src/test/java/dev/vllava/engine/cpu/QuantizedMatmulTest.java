package dev.vllava.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.quant.LoadQuantization;
import dev.vllava.checkpoint.quant.QuantScheme;
import dev.vllava.checkpoint.quant.QuantTargets;
import dev.vllava.checkpoint.quant.QuantizedLayout;
import dev.vllava.checkpoint.quant.Quantizer;
import dev.vllava.engine.Tensor;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The quantized kernels against the plain reference: each weight dequantized by
 * {@link QuantizedLayout#dequantizeRow} and multiplied in double precision. Decode (GEMV) and
 * prefill (blocked GEMM) both, 8 and 4 bits, groups that fill whole vectors and groups that do not
 * (the scalar path), groups wider than one of Gemm's inner blocks (a per-row scale: a block starts
 * inside a group), output counts that do not fill a block or a panel.
 */
class QuantizedMatmulTest {

    /** F32 accumulation over up to 4096 products of unit-scale values: far below one quantization step. */
    private static final double TOLERANCE = 2e-3;

    @ParameterizedTest(name = "{0} bits, group {1}, {2} input rows, {3}x{4}")
    @CsvSource({
            "8, 32, 1, 300, 256", "8, 32, 3, 70, 512", "8, 128, 1, 64, 512", "8, 8, 2, 33, 64",
            "4, 32, 1, 300, 256", "4, 32, 5, 70, 512", "4, 128, 1, 64, 512", "4, 8, 1, 33, 64",
            "8, 32, 20, 300, 320", "4, 32, 20, 300, 320", "8, 128, 13, 40, 1024", "4, 128, 13, 40, 1024",
            "4, 8, 9, 33, 64", "8, 1024, 13, 40, 1024", "4, 1024, 13, 40, 1024", "4, 64, 40, 70, 576", "8, 8, 9, 33, 328"})
    void quantizedMatmulMatchesDequantizedReference(int bits, int group, int inputRows, int outputs, int inputs) {
        Random random = new Random(bits * 1000 + group + inputRows);
        try (Arena arena = Arena.ofShared(); CpuEngine engine = new CpuEngine(2)) {
            TensorData weight = Quantizer.quantize(Weights.random(arena, "w", DType.F16, outputs, inputs, random).data,
                    new QuantScheme(bits, group), arena);
            float[] x = gaussian(random, inputRows * inputs);
            float[] bias = gaussian(random, outputs);
            try (Tensor in = engine.upload(x, inputRows, inputs); Tensor out = engine.allocate(inputRows, outputs);
                    Tensor b = engine.upload(bias, 1, outputs)) {
                engine.matmul(out, in, engine.weight(weight), b);
                assertClose(reference(weight, x, inputRows, bias), engine.download(out));
            }
        }
    }

    @Test
    void stackedQuantizedPartsWriteTheirOutputsSideBySide() {
        Random random = new Random(7);
        try (Arena arena = Arena.ofShared(); CpuEngine engine = new CpuEngine(2)) {
            QuantScheme scheme = new QuantScheme(4, 32);
            TensorData q = Quantizer.quantize(Weights.random(arena, "q", DType.F16, 64, 128, random).data, scheme, arena);
            TensorData k = Quantizer.quantize(Weights.random(arena, "k", DType.F16, 32, 128, random).data, scheme, arena);
            float[] x = gaussian(random, 2 * 128);
            try (Tensor in = engine.upload(x, 2, 128); Tensor out = engine.allocate(2, 96)) {
                engine.matmul(out, in, engine.weightRows(List.of(q, k)), null);
                float[] got = engine.download(out);
                float[] wantQ = reference(q, x, 2, null);
                float[] wantK = reference(k, x, 2, null);
                for (int n = 0; n < 2; n++) {
                    for (int o = 0; o < 64; o++) {
                        assertEquals(wantQ[n * 64 + o], got[n * 96 + o], TOLERANCE, "q output " + o);
                    }
                    for (int o = 0; o < 32; o++) {
                        assertEquals(wantK[n * 32 + o], got[n * 96 + 64 + o], TOLERANCE, "k output " + o);
                    }
                }
            }
        }
    }

    @Test
    void engineQuantizesTargetedWeightsAtLoadAndLeavesOthersExact() {
        Random random = new Random(11);
        try (Arena arena = Arena.ofShared();
                CpuEngine engine = new CpuEngine(1, new LoadQuantization(new QuantScheme(8, 32), QuantTargets.LANGUAGE_LINEAR))) {
            TensorData linear = Weights.random(arena, "language_model.model.layers.0.mlp.up_proj.weight", DType.F16, 16, 64, random).data;
            TensorData head = Weights.random(arena, "language_model.lm_head.weight", DType.F16, 16, 64, random).data;
            assertTrue(engine.weight(linear) instanceof QuantizedWeight, "a language-model linear layer is quantized");
            assertTrue(engine.weight(head) instanceof CpuTensor, "lm_head stays as stored unless included");
        }
    }

    private static float[] reference(TensorData weight, float[] x, int inputRows, float[] bias) {
        QuantizedLayout layout = weight.quantized();
        int outputs = (int) layout.rows();
        int inputs = (int) layout.columns();
        float[] row = new float[inputs];
        float[] out = new float[inputRows * outputs];
        for (int o = 0; o < outputs; o++) {
            layout.dequantizeRow(weight.data(), o, row);
            for (int n = 0; n < inputRows; n++) {
                double sum = bias == null ? 0 : bias[o];
                for (int i = 0; i < inputs; i++) {
                    sum += (double) row[i] * x[n * inputs + i];
                }
                out[n * outputs + o] = (float) sum;
            }
        }
        return out;
    }

    private static void assertClose(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], TOLERANCE * Math.max(1, Math.abs(want[i])), "element " + i);
        }
    }

    private static float[] gaussian(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
