package dev.vllava.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Off-heap buffers for activation tensors, with the engine's memory accounting. Each buffer has
 * its own shared arena so closing a tensor frees it at once; but closing a shared arena costs
 * ~30 µs (a handshake with every thread), and a decode step allocates a few hundred small
 * temporaries, so buffers up to {@link #RECYCLED_MAX_BYTES} are kept on a free list by size and
 * handed out again (zeroed) instead. Held bytes = live tensors + the free list.
 */
final class ActivationMemory implements AutoCloseable {

    /** Buffers up to 8 MB (a few 4096-wide rows... a 512-row block) are recycled. */
    static final long RECYCLED_MAX_BYTES = 8L << 20;
    /** The free list never holds more than this. */
    static final long FREE_LIST_MAX_BYTES = 256L << 20;
    /** Cache-line alignment, so vector loads never straddle lines needlessly. */
    private static final long ALIGNMENT = 64;

    /** One buffer and the arena that frees it. */
    record Block(Arena arena, MemorySegment segment) {}

    private final Map<Long, ArrayDeque<Block>> free = new HashMap<>();
    private long liveBytes;
    private long freeBytes;
    private long peakBytes;

    /** A zeroed buffer of at least {@code bytes} bytes (rounded up to the alignment). */
    synchronized Block take(long bytes) {
        long size = Math.max(ALIGNMENT, (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT);
        ArrayDeque<Block> recycled = free.get(size);
        Block block;
        if (recycled != null && !recycled.isEmpty()) {
            block = recycled.pop();
            freeBytes -= size;
            block.segment().fill((byte) 0);
        } else {
            Arena arena = Arena.ofShared();
            block = new Block(arena, arena.allocate(size, ALIGNMENT));
        }
        liveBytes += size;
        peakBytes = Math.max(peakBytes, liveBytes + freeBytes);
        return block;
    }

    synchronized void give(Block block) {
        long size = block.segment().byteSize();
        liveBytes -= size;
        if (size <= RECYCLED_MAX_BYTES && freeBytes + size <= FREE_LIST_MAX_BYTES) {
            free.computeIfAbsent(size, s -> new ArrayDeque<>()).push(block);
            freeBytes += size;
        } else {
            block.arena().close();
        }
    }

    synchronized long heldBytes() {
        return liveBytes + freeBytes;
    }

    synchronized long peakBytes() {
        return peakBytes;
    }

    /** Frees the free list; live tensors stay valid until they are closed. */
    @Override
    public synchronized void close() {
        List<Block> blocks = new ArrayList<>();
        free.values().forEach(blocks::addAll);
        free.clear();
        freeBytes = 0;
        for (Block block : blocks) {
            block.arena().close();
        }
    }
}
