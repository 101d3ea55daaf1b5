package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.VllavaException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LaunchTest {

    @Test
    void elementwiseCoversOddShapesAndCapsGridY() {
        Launch odd = Launch.elementwise(7, 257);
        assertEquals(2, odd.gridX());
        assertEquals(7, odd.gridY());
        Launch tall = Launch.elementwise(100_000, 1);
        assertEquals(65_535, tall.gridY(), "rows beyond 65535 are covered by the kernel's row loop");
        assertEquals(Launch.MAX_COLUMN_BLOCKS, Launch.elementwise(1, 1 << 24).gridX());
        assertEquals(1, Launch.elementwise(0, 0).gridX());
    }

    @Test
    void flashAttentionSharedMemoryMatchesPtxasAndFitsTheStaticLimit() {
        // ptxas -v reports 41088 bytes (d128) and 20608 bytes (d64) of static shared memory.
        assertEquals(41_088, Launch.flashAttentionSharedBytes(128));
        assertEquals(20_608, Launch.flashAttentionSharedBytes(16));
        assertTrue(Launch.flashAttentionSharedBytes(128) <= 48 * 1024, "static shared memory limit");
        Launch video = Launch.flashAttention(2096, 32, 128);
        assertEquals(131, video.gridX(), "ceil(2096 / 16) query blocks");
        assertEquals(32, video.gridY());
    }

    @Test
    void attentionRowIsABlockPerHeadAndRejectsHeadsWiderThanItsSharedQuery() {
        Launch row = Launch.attentionRow(16, 64);
        assertEquals(16, row.gridX());
        assertEquals(Launch.ROW_THREADS, row.blockX());
        assertThrows(VllavaException.class, () -> Launch.attentionRow(4, 256), "attention_probs.cu stages at most 128 query values");
    }

    @Test
    void headDimsPickTheSmallestKernelInstance() {
        assertEquals(64, Launch.attentionMaxHeadDim(8));
        assertEquals(64, Launch.attentionMaxHeadDim(64));
        assertEquals(128, Launch.attentionMaxHeadDim(80));
        assertEquals(128, Launch.attentionMaxHeadDim(128));
        assertThrows(VllavaException.class, () -> Launch.attentionMaxHeadDim(256));
    }

    @Test
    void decodeSplitsCoverEveryKeyExactlyOnce() {
        Random random = new Random(1);
        for (int trial = 0; trial < 2000; trial++) {
            int keys = 1 + random.nextInt(9000);
            int heads = 1 + random.nextInt(64);
            int queries = 1 + random.nextInt(4);
            int sms = 1 + random.nextInt(200);
            Launch.DecodeSplit split = Launch.flashDecode(keys, heads, queries, sms);
            String what = keys + " keys, " + heads + " heads, " + sms + " SMs: " + split;
            assertEquals(0, split.chunk() % 32, what);
            assertTrue((long) split.splits() * split.chunk() >= keys, "splits cover the keys: " + what);
            assertTrue((long) (split.splits() - 1) * split.chunk() < keys, "no empty split: " + what);
            assertEquals(split.splits(), split.launch().gridX(), what);
            assertEquals(heads, split.launch().gridY(), what);
            assertEquals(queries, split.launch().gridZ(), what);
            assertTrue((long) queries * heads * split.splits() <= Launch.flashDecodeMaxSlots(heads, 4, sms),
                    "the scratch sized once holds every context's partials: " + what);
        }
    }

    @Test
    void decodeFillsAnH100WithTwoBlocksPerSm() {
        Launch.DecodeSplit split = Launch.flashDecode(2100, 32, 1, 132);
        assertTrue(split.splits() * 32 >= 264, split.toString());
        assertEquals(1, Launch.flashDecode(40, 32, 1, 132).splits(), "short contexts are not split");
    }

    @Test
    void gemvNeeds128BitAlignedRows() {
        assertTrue(Launch.gemvApplies(1, 4096, 4096, 4096, 0x1000, 0x2000));
        assertTrue(Launch.gemvApplies(8, 11008, 11008, 22016, 0x1000, 0x2000));
        assertFalse(Launch.gemvApplies(9, 4096, 4096, 4096, 0x1000, 0x2000), "batch 9 goes to cuBLAS");
        assertFalse(Launch.gemvApplies(1, 4100, 4100, 4100, 0x1000, 0x2000), "columns not a multiple of 8");
        assertFalse(Launch.gemvApplies(1, 4096, 4096, 4096, 0x1004, 0x2000), "x not 16-byte aligned");
        assertFalse(Launch.gemvApplies(1, 64, 64, 66, 0x1000, 0x2000), "x stride not a multiple of 4");
        assertEquals(1376, Launch.gemv(11008).gridX());
        assertEquals(256, Launch.gemv(1).blockX());
    }
}
