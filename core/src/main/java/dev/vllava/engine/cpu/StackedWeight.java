package dev.vllava.engine.cpu;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.Tensor;
import java.util.List;

/**
 * Weights stacked along rows (q/k/v, gate/up) without copying: each part stays a view of its own
 * slice of the memory-mapped checkpoint, and matmul walks the parts. Copying them into one buffer
 * would duplicate most of a 7B model in RAM.
 *
 * <p>1-D parts (the q/k/v biases) are joined end to end into one {@code [1, Σ length]} row instead,
 * so that the stacked biases line up with the stacked weights' output columns.
 */
final class StackedWeight implements Tensor {

    final List<CpuTensor> parts;
    /** True for 1-D parts joined along columns; false for 2-D parts stacked along rows. */
    final boolean joinedVectors;
    private final int rows;
    private final int columns;
    private final DType dtype;

    StackedWeight(List<CpuTensor> parts, boolean joinedVectors) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no weights to stack");
        }
        this.parts = List.copyOf(parts);
        this.joinedVectors = joinedVectors;
        this.dtype = parts.getFirst().dtype;
        if (joinedVectors) {
            int length = 0;
            for (CpuTensor part : parts) {
                length += part.columns;
            }
            this.rows = 1;
            this.columns = length;
            return;
        }
        this.columns = parts.getFirst().columns;
        int total = 0;
        for (CpuTensor part : parts) {
            if (part.columns != columns || part.dtype != dtype) {
                throw new IllegalArgumentException("stacked weights differ in columns or dtype: " + part
                        + " vs " + parts.getFirst());
            }
            total += part.rows;
        }
        this.rows = total;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int columns() {
        return columns;
    }

    @Override
    public int rowStride() {
        return columns;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    /** Rows within one part are a plain view; a range across parts is not supported. */
    @Override
    public Tensor rowSlice(int first, int count) {
        if (joinedVectors) {
            throw new UnsupportedOperationException("row slice of joined vectors");
        }
        CpuTensor.checkRange(first, count, rows, "rows");
        int start = 0;
        for (CpuTensor part : parts) {
            if (first >= start && first + count <= start + part.rows) {
                return part.rowSlice(first - start, count);
            }
            start += part.rows;
        }
        throw new UnsupportedOperationException("row slice across stacked weights");
    }

    @Override
    public Tensor columnSlice(int first, int count) {
        throw new UnsupportedOperationException("column slice of stacked weights");
    }

    @Override
    public void close() {}
}
