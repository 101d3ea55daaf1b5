package dev.vllava.model;

import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;

/**
 * Fixed-size blocks of KV positions for {@link PagedKvStorage}, one model's worth: a block holds the keys
 * and values of {@link #blockSize} consecutive positions for every layer. Blocks are counted references:
 * a sequence that starts with another's prefix {@link #share}s that prefix's blocks instead of copying them,
 * and a block's memory goes back to the engine when its last holder {@link #release}s it.
 *
 * <p>Attention reads a sequence's blocks through {@link #gather}: the visible rows are copied, in position
 * order, into one reused buffer per kind, and the engine's attention runs over that buffer exactly as over a
 * contiguous cache. So an answer on shared blocks sums in the same order as one on a contiguous cache
 * (bit for bit), at the cost of one copy of the visible rows per layer and step. One step runs at a time per
 * model, so one pair of buffers serves every sequence.
 */
final class KvBlockPool implements AutoCloseable {
    /** Positions per block: small enough that a question's tail wastes little, large enough that copies stay long. */
    static final int DEFAULT_BLOCK_SIZE = 16;

    private final Engine engine;
    private final int layers;
    private final int kvWidth;
    private final int blockSize;
    private final ReusedTensor gatheredKeys;
    private final ReusedTensor gatheredValues;
    private int blocksHeld;
    private int peakBlocksHeld;

    KvBlockPool(Engine engine, int layers, int kvWidth, int blockSize) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be at least 1, got " + blockSize);
        }
        this.engine = engine;
        this.layers = layers;
        this.kvWidth = kvWidth;
        this.blockSize = blockSize;
        this.gatheredKeys = new ReusedTensor(engine, kvWidth);
        this.gatheredValues = new ReusedTensor(engine, kvWidth);
    }

    int blockSize() {
        return blockSize;
    }

    /** Blocks allocated now (shared ones counted once). */
    int blocksHeld() {
        return blocksHeld;
    }

    /** Most blocks allocated at once so far. */
    int peakBlocksHeld() {
        return peakBlocksHeld;
    }

    /** Engine bytes of one block (keys and values of every layer). */
    long bytesPerBlock() {
        return 2L * layers * blockSize * kvWidth * Float.BYTES;
    }

    /** A new block, held once; its contents are undefined until written. */
    Block acquire() {
        Block block = new Block(engine.allocate(2 * layers * blockSize, kvWidth));
        blocksHeld++;
        peakBlocksHeld = Math.max(peakBlocksHeld, blocksHeld);
        return block;
    }

    /** One more holder of {@code block} (a sequence that starts with the same positions). */
    Block share(Block block) {
        block.references++;
        return block;
    }

    /** A private copy of a shared block, for a holder about to write into it (copy on write). */
    Block copyOf(Block block) {
        Block copy = acquire();
        engine.copy(copy.data, block.data);
        return copy;
    }

    /** Drops one holder; the last one frees the block. */
    void release(Block block) {
        if (block.references <= 0) {
            throw new IllegalStateException("block released more often than held");
        }
        if (--block.references == 0) {
            block.data.close();
            blocksHeld--;
        }
    }

    /** The first {@code visible} keys of {@code layer} in {@code table}'s blocks, as one tensor (valid until the next gather). */
    Tensor gatherKeys(Block[] table, int layer, int visible) {
        return gather(gatheredKeys.rows(visible), table, 2 * layer, visible);
    }

    /** The first {@code visible} values of {@code layer}, as {@link #gatherKeys}. */
    Tensor gatherValues(Block[] table, int layer, int visible) {
        return gather(gatheredValues.rows(visible), table, 2 * layer + 1, visible);
    }

    private Tensor gather(Tensor out, Block[] table, int part, int visible) {
        for (int first = 0, b = 0; first < visible; first += blockSize, b++) {
            int rows = Math.min(blockSize, visible - first);
            engine.copy(out.rowSlice(first, rows), table[b].rows(part, 0, rows));
        }
        return out;
    }

    /** Frees the gather buffers; blocks are freed by their holders. */
    @Override
    public void close() {
        gatheredKeys.close();
        gatheredValues.close();
    }

    /** Keys and values of {@link #blockSize} positions for every layer: rows {@code [(2·layer + kind)·blockSize, +blockSize)}. */
    final class Block {
        private final Tensor data;
        private int references = 1;

        private Block(Tensor data) {
            this.data = data;
        }

        boolean shared() {
            return references > 1;
        }

        Tensor keys(int layer, int offset, int rows) {
            return rows(2 * layer, offset, rows);
        }

        Tensor values(int layer, int offset, int rows) {
            return rows(2 * layer + 1, offset, rows);
        }

        private Tensor rows(int part, int offset, int rows) {
            return data.rowSlice(part * blockSize + offset, rows);
        }
    }
}
