package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vllava.checkpoint.DType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs without a GPU: the table is host bookkeeping over device addresses the kernels read. */
class DeviceBlockTableTest {
    private static final int WIDTH = 256;

    /** A {@code [rows, WIDTH]} F32 view at a made-up device address. */
    private static CudaTensor block(long address, int rows, int stride, DType dtype) {
        return new CudaTensor(null, address, rows, WIDTH, stride, dtype, null);
    }

    private static CudaTensor block(long address) {
        return block(address, 16, WIDTH, DType.F32);
    }

    @Test
    void keysThenValuesOfTheVisibleBlocksInTableOrder() {
        List<CudaTensor> keys = List.of(block(0x3000), block(0x1000), block(0x5000));
        List<CudaTensor> values = List.of(block(0x4000), block(0x2000), block(0x6000));

        DeviceBlockTable table = DeviceBlockTable.of(keys, values, 16, 33, WIDTH);

        assertArrayEquals(new long[] {0x3000, 0x1000, 0x5000, 0x4000, 0x2000, 0x6000}, table.addresses());
        assertEquals(3, table.blocks());
        assertEquals(3 * Long.BYTES, table.valuesOffset(), "the values' addresses follow the keys' in the upload");
        assertEquals(WIDTH, table.rowStride());
        assertEquals(16, table.blockRows());
        assertEquals(DType.F32, table.dtype());
    }

    @Test
    void anF16CacheIsReadByTheF16Kernels() {
        CudaTensor keys = block(0x1000, 16, WIDTH, DType.F16);
        CudaTensor values = block(0x2000, 16, WIDTH, DType.F16);
        assertEquals(DType.F16, DeviceBlockTable.of(List.of(keys), List.of(values), 16, 16, WIDTH).dtype());
        assertEquals("flash_decode_paged_d128_f16", Kernel.flashDecode(true, true).entry(DType.F16));
        assertEquals("flash_attention_d64_f32", Kernel.flashAttention(false, false).entry(DType.F32));
    }

    @Test
    void blocksPastTheVisibleRowsAreLeftOut() {
        List<CudaTensor> keys = List.of(block(0x1000), block(0x2000), block(0x3000));
        List<CudaTensor> values = List.of(block(0x4000), block(0x5000), block(0x6000));

        assertArrayEquals(new long[] {0x1000, 0x2000, 0x4000, 0x5000}, DeviceBlockTable.of(keys, values, 16, 32, WIDTH).addresses());
    }

    @Test
    void blocksTheKernelWouldMisreadAreRefused() {
        CudaTensor good = block(0x1000);
        assertThrows(IllegalArgumentException.class, () -> DeviceBlockTable.of(List.of(good, block(0x2000, 16, 512, DType.F32)),
                List.of(good, good), 16, 20, WIDTH), "another row stride");
        assertThrows(IllegalArgumentException.class, () -> DeviceBlockTable.of(List.of(good), List.of(block(0x2000, 16, WIDTH, DType.F16)),
                16, 16, WIDTH), "F16 values beside F32 keys");
        assertThrows(IllegalArgumentException.class, () -> DeviceBlockTable.of(List.of(good), List.of(good), 16, 16, 128),
                "another width");
        assertThrows(IllegalArgumentException.class, () -> DeviceBlockTable.of(List.of(good), List.of(good), 16, 17, WIDTH),
                "too few blocks for the rows");
        assertThrows(IllegalArgumentException.class, () -> DeviceBlockTable.of(List.of(block(0x1000, 8, WIDTH, DType.F32)),
                List.of(good), 16, 12, WIDTH), "a block shorter than its visible rows");
    }
}
