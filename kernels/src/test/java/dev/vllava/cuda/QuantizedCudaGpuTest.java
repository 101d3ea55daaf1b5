package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.quant.QuantScheme;
import dev.vllava.checkpoint.quant.Quantizer;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The quantized kernels against the CPU engine on the same codes and scales (runs on the first lent GPU). */
@Tag("gpu")
class QuantizedCudaGpuTest {
    private static CudaDevice gpu;
    private static final Arena ARENA = Arena.ofShared();

    @BeforeAll
    static void device() {
        Gpu.engine(); // skips the class, saying why, where no GPU is usable
        gpu = CudaDevice.open(0);
        gpu.loadModules(PtxCatalog.load());
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    private static TensorData weight(int bits, int group, DType scales, int rows, int columns, Random random) {
        MemorySegment data = ARENA.allocate((long) rows * columns * scales.byteSize(), 16);
        for (long i = 0; i < (long) rows * columns; i++) {
            float value = (float) random.nextGaussian();
            switch (scales) {
                case F32 -> data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, value);
                case F16 -> data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(value));
                case BF16 -> data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToIntBits(value) >>> 16));
            }
        }
        TensorData plain = new TensorData("w", scales, new long[] {rows, columns}, data);
        return Quantizer.quantize(plain, new QuantScheme(bits, group), ARENA);
    }

    @ParameterizedTest(name = "{0} bits, group {1}, {2} scales, batch {3}")
    @CsvSource({"8, 32, F16, 1", "4, 32, F16, 3", "4, 128, BF16, 1", "8, 128, F32, 8"})
    void gemvMatchesTheCpuEngine(int bits, int group, DType scales, int batch) {
        Random random = new Random(bits + group + batch);
        int rows = 1000;
        int columns = 4096;
        TensorData w = weight(bits, group, scales, rows, columns, random);
        float[] x = new float[batch * columns];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] want;
        try (CpuEngine cpu = new CpuEngine(2); Tensor in = cpu.upload(x, batch, columns); Tensor out = cpu.allocate(batch, rows)) {
            cpu.matmul(out, in, cpu.weight(w), null);
            want = cpu.download(out);
        }
        QuantizedCuda.DeviceWeight device = QuantizedCuda.DeviceWeight.upload(gpu, w);
        long xAddress = gpu.allocate((long) x.length * 4);
        long outAddress = gpu.allocate((long) batch * rows * 4);
        try {
            gpu.upload(xAddress, MemorySegment.ofArray(x));
            QuantizedCuda.gemv(gpu, outAddress, rows, xAddress, columns, batch, device);
            float[] got = new float[batch * rows];
            gpu.download(MemorySegment.ofArray(got), outAddress);
            for (int i = 0; i < got.length; i++) {
                // F32 sums of 4096 products in another order: 1e-3 of the output's scale (about sqrt(4096) = 64)
                assertEquals(want[i], got[i], 0.064, "output " + i);
            }
        } finally {
            device.free(gpu);
            gpu.free(xAddress);
            gpu.free(outAddress);
        }
    }

    @ParameterizedTest(name = "{0} bits, group {1}")
    @CsvSource({"8, 32", "4, 32", "4, 128"})
    void dequantizedTileIsTheReferenceRoundedToF16(int bits, int group) {
        Random random = new Random(bits * group);
        int rows = 64;
        int columns = 512;
        TensorData w = weight(bits, group, DType.F16, rows, columns, random);
        QuantizedCuda.DeviceWeight device = QuantizedCuda.DeviceWeight.upload(gpu, w);
        int first = 16;
        int count = 40;
        long tile = gpu.allocate((long) count * columns * 2);
        try {
            QuantizedCuda.dequantizeToF16(gpu, tile, device, first, count);
            short[] got = new short[count * columns];
            gpu.download(MemorySegment.ofArray(got), tile);
            float[] row = new float[columns];
            for (int r = 0; r < count; r++) {
                w.quantized().dequantizeRow(w.data(), first + r, row);
                for (int c = 0; c < columns; c++) {
                    assertEquals(Float.floatToFloat16(row[c]), got[r * columns + c], "row " + (first + r) + " column " + c);
                }
            }
        } finally {
            device.free(gpu);
            gpu.free(tile);
        }
    }
}
