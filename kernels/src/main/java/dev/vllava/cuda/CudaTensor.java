package dev.vllava.cuda;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.Tensor;

/**
 * A 2-D tensor in device memory: a raw device address, shape, row stride (elements) and dtype.
 * Allocated activations own an arena block (freed by {@link #close()}); weights and views own nothing.
 */
final class CudaTensor implements Tensor {
    final CudaEngine engine;
    final long address;
    private final int rows;
    private final int columns;
    private final int rowStride;
    private final DType dtype;
    private DeviceArena.Block block;

    CudaTensor(CudaEngine engine, long address, int rows, int columns, int rowStride, DType dtype, DeviceArena.Block block) {
        this.engine = engine;
        this.address = address;
        this.rows = rows;
        this.columns = columns;
        this.rowStride = rowStride;
        this.dtype = dtype;
        this.block = block;
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
        return rowStride;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public Tensor rowSlice(int first, int count) {
        if (first < 0 || count < 0 || first + count > rows) {
            throw new IndexOutOfBoundsException("rows [" + first + ", " + (first + count) + ") of " + rows);
        }
        return new CudaTensor(engine, address + (long) first * rowStride * dtype.byteSize(), count, columns, rowStride, dtype, null);
    }

    @Override
    public Tensor columnSlice(int first, int count) {
        if (first < 0 || count < 0 || first + count > columns) {
            throw new IndexOutOfBoundsException("columns [" + first + ", " + (first + count) + ") of " + columns);
        }
        return new CudaTensor(engine, address + (long) first * dtype.byteSize(), rows, count, rowStride, dtype, null);
    }

    /** Bytes from the first to the last element (strided views include the gaps between rows). */
    long spanBytes() {
        return rows == 0 ? 0 : ((long) (rows - 1) * rowStride + columns) * dtype.byteSize();
    }

    @Override
    public void close() {
        if (block != null) {
            engine.release(block);
            block = null;
        }
    }

    @Override
    public String toString() {
        return "CudaTensor[" + rows + "x" + columns + " stride " + rowStride + " " + dtype + " @0x" + Long.toHexString(address) + "]";
    }
}
