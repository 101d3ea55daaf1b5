package dev.vllava.model;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;

/**
 * Fixed-size blocks of KV positions for {@link PagedKvStorage}, one model's worth: a block holds the keys
 * and values of {@link #blockSize} consecutive positions for every layer. Blocks are counted references:
 * a sequence that starts with another's prefix {@link #share}s that prefix's blocks instead of copying them,
 * and a block's memory goes back to the engine when its last holder {@link #release}s it. Blocks are stored
 * in the engine's KV dtype ({@link Engine#kvCacheDtype}).
 *
 * <p>Attention reads a sequence's blocks in place, through its table ({@link PagedKvStorage#attend}).
 */
final class KvBlockPool {
    /** Positions per block: small enough that a question's tail wastes little, large enough that copies stay long. */
    static final int DEFAULT_BLOCK_SIZE = 16;

    private final Engine engine;
    private final int layers;
    private final int kvWidth;
    private final int blockSize;
    private final DType dtype;
    private int blocksHeld;
    private int peakBlocksHeld;

    KvBlockPool(Engine engine, int layers, int kvWidth, int blockSize, DType dtype) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be at least 1, got " + blockSize);
        }
        this.engine = engine;
        this.layers = layers;
        this.kvWidth = kvWidth;
        this.blockSize = blockSize;
        this.dtype = dtype;
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
        return 2L * layers * blockSize * kvWidth * dtype.byteSize();
    }

    /** A new block, held once; its contents are undefined until written. */
    Block acquire() {
        Block block = new Block(engine.allocate(2 * layers * blockSize, kvWidth, dtype));
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

        /** The keys of {@code layer}: a {@code [blockSize, kvWidth]} view. */
        Tensor keys(int layer) {
            return keys(layer, 0, blockSize);
        }

        /** The values of {@code layer}, as {@link #keys(int)}. */
        Tensor values(int layer) {
            return values(layer, 0, blockSize);
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
