package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vllava.VllavaException;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.quant.QuantScheme;
import dev.vllava.checkpoint.quant.QuantizedLayout;
import dev.vllava.checkpoint.quant.Quantizer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The host side of the quantized kernels, without a GPU: which layouts they take, and arguments refused before any launch. */
class QuantizedCudaTest {

    private static QuantizedLayout layout(int bits, int group, long columns) {
        return new QuantizedLayout(bits, group, 4, columns, DType.F16, MemorySegment.ofArray(new byte[0]));
    }

    @Test
    void kernelsTakeWholeEightCodeLoadsWithinGroups() {
        assertTrue(QuantizedCuda.applies(layout(8, 32, 4096)));
        assertTrue(QuantizedCuda.applies(layout(4, 128, 11008)));
        assertFalse(QuantizedCuda.applies(layout(4, 4, 4096)), "a group of 4 splits an 8-code load");
        assertFalse(QuantizedCuda.applies(layout(8, 12, 36)), "36 columns are not whole 8-code loads");
    }

    @Test
    void gemvRefusesMoreRowsThanTheKernelAccumulates() {
        var weight = new QuantizedCuda.DeviceWeight(layout(8, 32, 64), 0, 0);
        assertThrows(IllegalArgumentException.class, () -> QuantizedCuda.gemv(null, 0, 64, 0, 64, 9, weight));
        assertThrows(IllegalArgumentException.class, () -> QuantizedCuda.gemv(null, 0, 64, 8, 64, 1, weight), "x not float4-aligned");
    }

    @Test
    void dequantizeRefusesRowsOutsideTheWeight() {
        var weight = new QuantizedCuda.DeviceWeight(layout(4, 32, 64), 0, 0);
        assertThrows(IllegalArgumentException.class, () -> QuantizedCuda.dequantizeToF16(null, 0, weight, 2, 3));
    }

    @Test
    void stackedPartsAddTheirRowsAndKeepTheFormat() {
        try (Arena arena = Arena.ofShared()) {
            QuantizedLayout stacked = QuantizedCuda.stackedLayout(List.of(quantized(arena, "q", 64, 4), quantized(arena, "k", 32, 4)));
            assertEquals(96, stacked.rows());
            assertEquals(128, stacked.columns());
            assertEquals(4, stacked.bits());
            assertEquals(32, stacked.groupSize());
            assertEquals(DType.F32, stacked.scaleDtype());
        }
    }

    @Test
    void partsQuantizedDifferentlyOrNotAtAllAreACheckpointErrorNamingThem() {
        try (Arena arena = Arena.ofShared()) {
            TensorData q = quantized(arena, "q", 64, 4);
            VllavaException mixed = assertThrows(VllavaException.class,
                    () -> QuantizedCuda.stackedLayout(List.of(q, quantized(arena, "k", 64, 8))));
            assertTrue(mixed.getMessage().contains("k") && mixed.getMessage().contains("int8 g32"), mixed.getMessage());
            TensorData dense = new TensorData("v", DType.F32, new long[] {64, 128}, arena.allocate(64 * 128 * 4));
            VllavaException plain = assertThrows(VllavaException.class, () -> QuantizedCuda.stackedLayout(List.of(q, dense)));
            assertTrue(plain.getMessage().contains("not quantized"), plain.getMessage());
        }
    }

    private static TensorData quantized(Arena arena, String name, int rows, int bits) {
        TensorData plain = new TensorData(name, DType.F32, new long[] {rows, 128}, arena.allocate(rows * 128L * 4));
        return Quantizer.quantize(plain, new QuantScheme(bits, 32), arena);
    }
}
