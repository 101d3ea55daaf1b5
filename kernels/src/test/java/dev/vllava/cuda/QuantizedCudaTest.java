package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.quant.QuantizedLayout;
import java.lang.foreign.MemorySegment;
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
}
