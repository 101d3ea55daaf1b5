package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.quant.LoadQuantization;
import dev.vllava.checkpoint.quant.QuantScheme;
import dev.vllava.checkpoint.quant.QuantTargets;
import dev.vllava.checkpoint.quant.Quantizer;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CUDA engine's matmul on quantized weights against the CPU engine's on the same codes and scales:
 * decode (the dequantizing GEMV) and prefill (dequantized F16 tiles through cuBLAS), stacked parts,
 * bias, and quantization at load ({@code --weights}). Runs on the first lent GPU (gpu-check.sh's
 * quantized-parity step).
 */
@Tag("gpu")
class QuantizedCudaEngineGpuTest {
    private static final Arena ARENA = Arena.ofShared();
    private static final int COLUMNS = 1024;

    @ParameterizedTest(name = "{0} bits, group {1}, {2} input rows")
    @CsvSource({"8, 32, 1", "4, 32, 3", "8, 128, 8", "4, 128, 9", "8, 32, 70", "4, 32, 70"})
    void matmulMatchesTheCpuEngine(int bits, int group, int inputRows) {
        Random random = new Random(bits * 100 + group + inputRows);
        QuantScheme scheme = new QuantScheme(bits, group);
        TensorData q = Quantizer.quantize(plain("q", 300, random), scheme, ARENA);
        TensorData k = Quantizer.quantize(plain("k", 100, random), scheme, ARENA);
        float[] x = gaussian(random, inputRows * COLUMNS);
        float[] bias = gaussian(random, 400);
        float[] want;
        try (CpuEngine cpu = new CpuEngine(2)) {
            want = product(cpu, cpu.weightRows(List.of(q, k)), x, inputRows, bias);
        }
        CudaEngine gpu = Gpu.engine();
        try (Tensor w = gpu.weightRows(List.of(q, k))) {
            assertClose(want, product(gpu, w, x, inputRows, bias));
        }
    }

    @Test
    void weightsQuantizedAtLoadMatchTheCpuEngineQuantizingAtLoad() {
        Gpu.engine(); // skips where no GPU is usable
        Random random = new Random(5);
        LoadQuantization q8 = new LoadQuantization(new QuantScheme(8, 32), QuantTargets.LANGUAGE_LINEAR);
        TensorData stored = plain("language_model.model.layers.0.mlp.up_proj.weight", 256, random);
        float[] x = gaussian(random, COLUMNS);
        float[] want;
        try (CpuEngine cpu = new CpuEngine(2, q8)) {
            want = product(cpu, cpu.weight(stored), x, 1, null);
        }
        try (CudaEngine gpu = CudaEngine.open(new CudaEngine.Options(0, false, 64L << 20, q8)); Tensor w = gpu.weight(stored)) {
            assertClose(want, product(gpu, w, x, 1, null));
        }
    }

    private static float[] product(Engine engine, Tensor weight, float[] x, int rows, float[] bias) {
        try (Tensor in = engine.upload(x, rows, COLUMNS); Tensor out = engine.allocate(rows, weight.rows());
                Tensor b = bias == null ? null : engine.upload(bias, 1, weight.rows())) {
            engine.matmul(out, in, weight, b);
            return engine.download(out);
        }
    }

    /** F32 (GEMV) or F16-input (cuBLAS) sums of 1024 unit products: 1e-3 of the output scale (about 32), plus F16 input rounding. */
    private static void assertClose(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 0.05, "output " + i);
        }
    }

    private static TensorData plain(String name, int rows, Random random) {
        MemorySegment data = ARENA.allocate((long) rows * COLUMNS * 2, 16);
        for (long i = 0; i < (long) rows * COLUMNS; i++) {
            data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16((float) random.nextGaussian()));
        }
        return new TensorData(name, DType.F16, new long[] {rows, COLUMNS}, data);
    }

    private static float[] gaussian(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
