package dev.vllava.model;

import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Engine;
import dev.vllava.engine.KvBlockTable;
import dev.vllava.engine.Tensor;
import dev.vllava.model.KvBlockPool.Block;
import java.util.ArrayList;
import java.util.List;

/**
 * One sequence's keys and values in {@link KvBlockPool} blocks, through a block table (position
 * {@code p} lives in block {@code p / blockSize}). Blocks are taken as positions are written, so a
 * short answer holds a few blocks, not its whole context. {@link #share} starts another sequence on the
 * same blocks; a sequence writes only blocks it holds alone: writing into a shared block (the prefix's
 * last, partly filled one, or any block after a truncation into the prefix) copies it first (copy on write).
 */
final class PagedKvStorage implements KvStorage {
    private final Engine engine;
    private final KvBlockPool pool;
    private final int capacity;
    private final List<Block> table = new ArrayList<>();

    PagedKvStorage(Engine engine, KvBlockPool pool, int capacity) {
        this.engine = engine;
        this.pool = pool;
        this.capacity = capacity;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /** Blocks in the table (shared ones included). */
    int blocks() {
        return table.size();
    }

    @Override
    public void write(int layer, int first, Tensor keys, Tensor values, KeyRotation rotation) {
        int blockSize = pool.blockSize();
        int end = first + keys.rows();
        for (int position = first; position < end; ) {
            int offset = position % blockSize;
            int rows = Math.min(blockSize - offset, end - position);
            Block block = writable(position / blockSize);
            engine.ropeInto(block.keys(layer, offset, rows), keys.rowSlice(position - first, rows), rotation.kvHeads(),
                    rotation.headDim(), position, rotation.theta());
            engine.copy(block.values(layer, offset, rows), values.rowSlice(position - first, rows));
            position += rows;
        }
    }

    /** Block {@code index}, taken if new and copied if shared. */
    private Block writable(int index) {
        if (index == table.size()) {
            table.add(pool.acquire());
        }
        Block block = table.get(index);
        if (block.shared()) {
            Block copy = pool.copyOf(block);
            pool.release(block);
            table.set(index, copy);
            return copy;
        }
        return block;
    }

    /** Attention reads the blocks in place through the table ({@link KvBlockTable}): no copy of the visible rows. */
    @Override
    public void attend(int layer, Tensor out, Tensor queries, int visible, AttentionShape shape) {
        int count = Math.ceilDiv(visible, pool.blockSize());
        List<Tensor> keys = new ArrayList<>(count);
        List<Tensor> values = new ArrayList<>(count);
        for (Block block : table.subList(0, count)) {
            keys.add(block.keys(layer));
            values.add(block.values(layer));
        }
        engine.attention(out, queries, new KvBlockTable(keys, values, pool.blockSize(), visible), shape);
    }

    @Override
    public KvStorage share(int positions, int newCapacity) {
        PagedKvStorage fork = new PagedKvStorage(engine, pool, newCapacity);
        int blocks = Math.ceilDiv(positions, pool.blockSize());
        for (int i = 0; i < blocks; i++) {
            fork.table.add(pool.share(table.get(i)));
        }
        return fork;
    }

    @Override
    public void close() {
        table.forEach(pool::release);
        table.clear();
    }
}
