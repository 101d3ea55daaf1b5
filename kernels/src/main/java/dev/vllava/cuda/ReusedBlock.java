package dev.vllava.cuda;

/**
 * A device block that one operation reuses on every call for its scratch (the split-K partials of decode
 * attention, the token ids of an embedding, x converted for cuBLAS): it is taken from the arena on the
 * first call and again only when a call needs more than any before (then twice as much), so a decode loop
 * takes nothing from the arena and runs no allocation or memset per operation. Reuse right after the
 * previous call is safe because the engine runs everything on one stream.
 */
final class ReusedBlock {
    private final DeviceArena arena;
    private DeviceArena.Block block;

    ReusedBlock(DeviceArena arena) {
        this.arena = arena;
    }

    /** The address of at least {@code bytes} bytes; their contents are whatever the last call left. */
    long address(long bytes) {
        if (block == null || block.bytes() < bytes) {
            long capacity = block == null ? bytes : Math.max(bytes, 2 * block.bytes());
            release();
            block = arena.allocate(capacity);
        }
        return block.address();
    }

    /** Returns the block to the arena (a CUDA graph that captured it keeps it until the graph closes). */
    void release() {
        if (block != null) {
            arena.free(block);
            block = null;
        }
    }
}
