package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bookkeeping of an operation's reused scratch, over the arena without a GPU. */
class ReusedBlockTest {

    @Test
    void aDecodeLoopTakesNoArenaBlockOnceItsScratchHasBeenSized() {
        DeviceArenaTest.FakeDriver driver = new DeviceArenaTest.FakeDriver();
        DeviceArena arena = new DeviceArena(driver, 1 << 20);
        ReusedBlock partials = new ReusedBlock(arena);
        ReusedBlock ids = new ReusedBlock(arena);
        long first = partials.address(9 * 32 * 128 * Float.BYTES);
        ids.address(Integer.BYTES);
        long taken = arena.blocksTaken();
        long used = arena.usedBytes();
        for (int token = 0; token < 100; token++) {
            for (int layer = 0; layer < 32; layer++) {
                // fewer splits while the context is short: smaller requests reuse the same block
                assertEquals(first, partials.address((1 + token % 9) * 32 * 128 * Float.BYTES));
            }
            ids.address(Integer.BYTES);
        }
        assertEquals(taken, arena.blocksTaken(), "no block taken per operation");
        assertEquals(used, arena.usedBytes());
        assertEquals(1, driver.allocations);
    }

    @Test
    void aLargerRequestReplacesTheBlockWithOneOfAtLeastTwiceItsSize() {
        DeviceArena arena = new DeviceArena(new DeviceArenaTest.FakeDriver(), 1 << 20);
        ReusedBlock scratch = new ReusedBlock(arena);
        scratch.address(1024);
        scratch.address(1025);
        assertEquals(2048, arena.usedBytes(), "the old block is returned, the new one doubles it");
        scratch.address(10_000);
        assertEquals(DeviceArena.align(10_000), arena.usedBytes(), "a request beyond twice the size gets its own size");
        assertEquals(3, arena.blocksTaken());
        scratch.release();
        assertEquals(0, arena.usedBytes());
        assertTrue(arena.peakBytes() >= DeviceArena.align(10_000));
    }
}
