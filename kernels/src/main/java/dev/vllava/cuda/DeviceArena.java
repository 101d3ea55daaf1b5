package dev.vllava.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The device memory pool for activations and the KV cache: large chunks are taken from the driver
 * (cuMemAlloc) as needed, and blocks are carved from them with a first-fit free list that merges
 * neighbours on free. After the first token the decode loop allocates and frees the same sizes, so it
 * finds them in the free list and never calls the driver. Reusing a block right after freeing it is
 * safe because the engine runs everything on one stream (stream order = program order).
 * The bookkeeping is plain Java over addresses, so {@code DeviceArenaTest} runs it without a GPU.
 */
public final class DeviceArena {
    /** 256 bytes: cuMemAlloc's own alignment, enough for 128-bit loads and cuBLAS. */
    public static final long ALIGNMENT = 256;

    /** Where chunks come from (cuMemAlloc on a GPU, a counter in tests). */
    public interface ChunkSource {
        /** A new chunk of at least {@code bytes}, aligned to {@link #ALIGNMENT}; returns its address. */
        long allocate(long bytes);

        void free(long address);
    }

    /** A block handed out; {@code address} is a raw device address. */
    public record Block(long address, long bytes) {}

    private final ChunkSource source;
    private final long chunkBytes;
    private final List<long[]> chunks = new ArrayList<>();          // {address, bytes}
    private final TreeMap<Long, Long> free = new TreeMap<>();        // address -> bytes
    private final TreeMap<Long, Long> used = new TreeMap<>();        // address -> bytes
    private long usedBytes;
    private long peakBytes;
    private long blocksTaken;
    private List<Block> deferred;                                    // non-null while a CUDA graph captures

    public DeviceArena(ChunkSource source, long chunkBytes) {
        this.source = source;
        this.chunkBytes = align(chunkBytes);
    }

    public static long align(long bytes) {
        return (Math.max(bytes, 1) + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    public synchronized Block allocate(long requestedBytes) {
        long bytes = align(requestedBytes);
        Map.Entry<Long, Long> fit = firstFit(bytes);
        if (fit == null) {
            long size = Math.max(chunkBytes, bytes);
            long address = source.allocate(size);
            chunks.add(new long[] {address, size});
            free.put(address, size);
            fit = Map.entry(address, size);
        }
        // Read the entry before removing it: TreeMap reuses a removed node for its successor's mapping.
        long address = fit.getKey();
        long available = fit.getValue();
        free.remove(address);
        if (available > bytes) {
            free.put(address + bytes, available - bytes);
        }
        used.put(address, bytes);
        blocksTaken++;
        usedBytes += bytes;
        peakBytes = Math.max(peakBytes, usedBytes);
        return new Block(address, bytes);
    }

    private Map.Entry<Long, Long> firstFit(long bytes) {
        for (Map.Entry<Long, Long> entry : free.entrySet()) {
            if (entry.getValue() >= bytes) {
                return Map.entry(entry.getKey(), entry.getValue());
            }
        }
        return null;
    }

    /**
     * From now on frees are only recorded, not performed: a CUDA graph being captured bakes the
     * addresses of its temporaries into the graph, so they must stay reserved for as long as the graph
     * lives. {@link #endDeferredFrees()} returns them for the graph to free when it is destroyed.
     */
    public synchronized void beginDeferredFrees() {
        if (deferred != null) {
            throw new IllegalStateException("frees are already deferred (nested graph capture)");
        }
        deferred = new ArrayList<>();
    }

    public synchronized List<Block> endDeferredFrees() {
        List<Block> blocks = deferred;
        deferred = null;
        return blocks == null ? List.of() : blocks;
    }

    public synchronized void free(Block block) {
        if (deferred != null) {
            deferred.add(block);
            return;
        }
        Long bytes = used.remove(block.address());
        if (bytes == null) {
            throw new IllegalStateException("device block 0x" + Long.toHexString(block.address()) + " is not allocated");
        }
        usedBytes -= bytes;
        long address = block.address();
        long size = bytes;
        Map.Entry<Long, Long> before = free.floorEntry(address);
        if (before != null && before.getKey() + before.getValue() == address && sameChunk(before.getKey(), address)) {
            long beforeAddress = before.getKey();
            size += before.getValue();
            free.remove(beforeAddress);
            address = beforeAddress;
        }
        Long afterSize = free.get(address + size);
        if (afterSize != null && sameChunk(address, address + size)) {
            free.remove(address + size);
            size += afterSize;
        }
        free.put(address, size);
    }

    /** Two addresses in one chunk: blocks of different chunks are never merged (they are not contiguous). */
    private boolean sameChunk(long a, long b) {
        for (long[] chunk : chunks) {
            boolean hasA = a >= chunk[0] && a < chunk[0] + chunk[1];
            boolean hasB = b >= chunk[0] && b < chunk[0] + chunk[1];
            if (hasA || hasB) {
                return hasA && hasB;
            }
        }
        return false;
    }

    public synchronized long usedBytes() {
        return usedBytes;
    }

    public synchronized long peakBytes() {
        return peakBytes;
    }

    /** Blocks handed out so far (a count that must not move across decode steps). */
    public synchronized long blocksTaken() {
        return blocksTaken;
    }

    /** Bytes taken from the driver. */
    public synchronized long reservedBytes() {
        long total = 0;
        for (long[] chunk : chunks) {
            total += chunk[1];
        }
        return total;
    }

    public synchronized int chunkCount() {
        return chunks.size();
    }

    /** Returns every chunk to the driver. */
    public synchronized void release() {
        for (long[] chunk : chunks) {
            source.free(chunk[0]);
        }
        chunks.clear();
        free.clear();
        used.clear();
        usedBytes = 0;
    }
}
