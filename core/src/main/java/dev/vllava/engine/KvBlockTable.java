package dev.vllava.engine;

import java.util.List;

/**
 * The keys and values one attention call reads from a paged KV cache, in place: {@code rows} positions
 * held in fixed-size blocks, position {@code p} being row {@code p % blockRows} of {@code keys.get(p /
 * blockRows)} (and of {@code values.get(p / blockRows)}). Every block is a {@code [blockRows, kvWidth]}
 * view; the last one may be only partly visible. Engines read the blocks through this table instead of
 * a copy of the visible rows in one tensor ({@link Engine#attention(Tensor, Tensor, KvBlockTable, AttentionShape)}).
 */
public record KvBlockTable(List<Tensor> keys, List<Tensor> values, int blockRows, int rows) {

    public KvBlockTable {
        keys = List.copyOf(keys);
        values = List.copyOf(values);
        if (blockRows < 1 || rows < 0) {
            throw new IllegalArgumentException("blocks of " + blockRows + " rows holding " + rows);
        }
        int needed = Math.ceilDiv(rows, blockRows);
        if (keys.size() < needed || values.size() < needed) {
            throw new IllegalArgumentException(rows + " rows in blocks of " + blockRows + " need " + needed
                    + " blocks, got " + keys.size() + " key and " + values.size() + " value blocks");
        }
    }

    /** Blocks holding the visible rows. */
    public int blockCount() {
        return Math.ceilDiv(rows, blockRows);
    }

    /** Visible rows of block {@code b}: {@code blockRows}, fewer in the last. */
    public int rowsIn(int b) {
        return Math.min(blockRows, rows - b * blockRows);
    }
}
