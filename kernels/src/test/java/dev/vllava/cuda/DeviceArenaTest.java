package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DeviceArenaTest {
    /** Chunks at far-apart fake addresses, counting driver calls. */
    static final class FakeDriver implements DeviceArena.ChunkSource {
        final List<Long> live = new ArrayList<>();
        int allocations;
        long next = 1L << 32;

        @Override
        public long allocate(long bytes) {
            allocations++;
            long address = next;
            next += (bytes + (1L << 30)) / (1L << 30) * (1L << 30) + (1L << 30);
            live.add(address);
            return address;
        }

        @Override
        public void free(long address) {
            assertTrue(live.remove(address), "freeing an unknown chunk");
        }
    }

    @Test
    void aDecodeLoopReusesFreedBlocksWithoutNewDriverAllocations() {
        FakeDriver driver = new FakeDriver();
        DeviceArena arena = new DeviceArena(driver, 1 << 20);
        for (int token = 0; token < 100; token++) {
            DeviceArena.Block hidden = arena.allocate(4096 * 4);
            DeviceArena.Block mlp = arena.allocate(11008 * 4 * 2);
            DeviceArena.Block logits = arena.allocate(32064 * 4);
            arena.free(mlp);
            arena.free(hidden);
            arena.free(logits);
        }
        assertEquals(1, driver.allocations, "one chunk serves every token");
        assertEquals(0, arena.usedBytes());
    }

    @Test
    void blocksAreAlignedAndDisjoint() {
        DeviceArena arena = new DeviceArena(new FakeDriver(), 1 << 20);
        DeviceArena.Block a = arena.allocate(1);
        DeviceArena.Block b = arena.allocate(257);
        DeviceArena.Block c = arena.allocate(3);
        for (DeviceArena.Block block : List.of(a, b, c)) {
            assertEquals(0, block.address() % DeviceArena.ALIGNMENT);
        }
        assertEquals(a.address() + 256, b.address());
        assertEquals(b.address() + 512, c.address());
    }

    @Test
    void freedNeighboursMergeSoALargeBlockFitsAgain() {
        FakeDriver driver = new FakeDriver();
        DeviceArena arena = new DeviceArena(driver, 4096);
        DeviceArena.Block a = arena.allocate(1024);
        DeviceArena.Block b = arena.allocate(1024);
        DeviceArena.Block c = arena.allocate(2048);
        arena.free(a);
        arena.free(c);
        arena.free(b);  // merges with both sides
        DeviceArena.Block whole = arena.allocate(4096);
        assertEquals(a.address(), whole.address());
        assertEquals(1, driver.allocations);
    }

    @Test
    void oversizedRequestsGetTheirOwnChunkAndChunksNeverMerge() {
        FakeDriver driver = new FakeDriver();
        DeviceArena arena = new DeviceArena(driver, 4096);
        DeviceArena.Block small = arena.allocate(4096);
        DeviceArena.Block big = arena.allocate(10_000);
        assertEquals(2, driver.allocations);
        arena.free(small);
        arena.free(big);
        DeviceArena.Block again = arena.allocate(4096 + 10_240);
        assertEquals(3, driver.allocations, "two separate chunks are not one contiguous range");
        assertNotEquals(small.address(), again.address());
        arena.release();
        assertEquals(List.of(), driver.live, "release returns every chunk");
    }

    @Test
    void doubleFreeIsAnError() {
        DeviceArena arena = new DeviceArena(new FakeDriver(), 4096);
        DeviceArena.Block block = arena.allocate(100);
        arena.free(block);
        assertThrows(IllegalStateException.class, () -> arena.free(block));
    }

    @Test
    void graphCaptureKeepsTemporariesReservedUntilTheGraphIsDestroyed() {
        DeviceArena arena = new DeviceArena(new FakeDriver(), 1 << 20);
        arena.beginDeferredFrees();
        DeviceArena.Block temporary = arena.allocate(1000);
        arena.free(temporary);
        DeviceArena.Block next = arena.allocate(1000);
        assertNotEquals(temporary.address(), next.address(), "a captured graph still writes the temporary");
        List<DeviceArena.Block> kept = arena.endDeferredFrees();
        assertEquals(List.of(temporary), kept);
        kept.forEach(arena::free);
        arena.free(next);
        assertEquals(0, arena.usedBytes());
    }

    @Test
    void randomAllocationPatternsNeverOverlapAndTrackPeak() {
        DeviceArena arena = new DeviceArena(new FakeDriver(), 1 << 16);
        Random random = new Random(3);
        List<DeviceArena.Block> live = new ArrayList<>();
        long used = 0;
        long peak = 0;
        for (int step = 0; step < 5000; step++) {
            if (!live.isEmpty() && random.nextInt(3) == 0) {
                DeviceArena.Block block = live.remove(random.nextInt(live.size()));
                arena.free(block);
                used -= block.bytes();
            } else {
                DeviceArena.Block block = arena.allocate(1 + random.nextInt(20_000));
                for (DeviceArena.Block other : live) {
                    boolean disjoint = block.address() + block.bytes() <= other.address()
                            || other.address() + other.bytes() <= block.address();
                    assertTrue(disjoint, block + " overlaps " + other);
                }
                live.add(block);
                used += block.bytes();
                peak = Math.max(peak, used);
            }
            assertEquals(used, arena.usedBytes());
        }
        assertEquals(peak, arena.peakBytes());
    }
}
