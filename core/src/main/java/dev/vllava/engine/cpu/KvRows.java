package dev.vllava.engine.cpu;

import dev.vllava.checkpoint.DType;
import java.lang.foreign.MemorySegment;

/**
 * The key or value rows one {@link Attention} call reads: one tensor (a contiguous cache, the vision
 * tower's keys), or the blocks of a paged cache in position order, read in place. Row {@code j} is row
 * {@code j % blockRows} of block {@code j / blockRows} (a single tensor is one block). Every block has
 * the same dtype (F32, or F16 for a half-precision cache).
 */
final class KvRows {
    private final CpuTensor[] blocks;
    private final int blockRows;
    private final int rows;

    private KvRows(CpuTensor[] blocks, int blockRows, int rows) {
        this.blocks = blocks;
        this.blockRows = blockRows;
        this.rows = rows;
    }

    /** All rows of {@code tensor}, as one block. */
    static KvRows of(CpuTensor tensor) {
        return new KvRows(new CpuTensor[] {tensor}, Math.max(1, tensor.rows), tensor.rows);
    }

    /** The first {@code rows} rows of {@code blocks}, {@code blockRows} rows each (the caller checked the shapes). */
    static KvRows ofBlocks(CpuTensor[] blocks, int blockRows, int rows) {
        return new KvRows(blocks, blockRows, rows);
    }

    DType dtype() {
        return blocks[0].dtype;
    }

    int rows() {
        return rows;
    }

    /** The segment holding row {@code row}. */
    MemorySegment segment(int row) {
        return blocks[row / blockRows].segment;
    }

    /** Byte offset of element (row, column) within {@link #segment segment(row)}. */
    long byteOffset(int row, int column) {
        return blocks[row / blockRows].byteOffset(row % blockRows, column);
    }
}
