package dev.vllava.cuda;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.Tensor;

/**
 * A 2-D tensor in device memory: a raw device address, shape, row stride (elements) and dtype.
 * Allocated activations own an arena block (freed by {@link #close()}); weights and views own nothing.
 * A quantized weight ({@link #quantized}) is its packed codes at {@code address}, shaped as the
 * weight it dequantizes to, with the scales' dtype; it can only be a matmul's weight.
 */
final class CudaTensor implements Tensor {
    final CudaEngine engine;
    final long address;
    private final int rows;
    private final int columns;
    private final int rowStride;
    private final DType dtype;
    /** The codes and scales of a quantized weight, or null for a dense tensor. */
    final QuantizedCuda.DeviceWeight quantized;
    private DeviceArena.Block block;

    CudaTensor(CudaEngine engine, long address, int rows, int columns, int rowStride, DType dtype, DeviceArena.Block block) {
        this(engine, address, rows, columns, rowStride, dtype, block, null);
    }

    /** A quantized weight on the device. */
    CudaTensor(CudaEngine engine, QuantizedCuda.DeviceWeight weight) {
        this(engine, weight.codes(), Math.toIntExact(weight.layout().rows()), Math.toIntExact(weight.layout().columns()),
                Math.toIntExact(weight.layout().columns()), weight.layout().scaleDtype(), null, weight);
    }

    private CudaTensor(CudaEngine engine, long address, int rows, int columns, int rowStride, DType dtype, DeviceArena.Block block,
                       QuantizedCuda.DeviceWeight quantized) {
        this.quantized = quantized;
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
        requireDense("row slice");
        if (first < 0 || count < 0 || first + count > rows) {
            throw new IndexOutOfBoundsException("rows [" + first + ", " + (first + count) + ") of " + rows);
        }
        return new CudaTensor(engine, address + (long) first * rowStride * dtype.byteSize(), count, columns, rowStride, dtype, null);
    }

    @Override
    public Tensor columnSlice(int first, int count) {
        requireDense("column slice");
        if (first < 0 || count < 0 || first + count > columns) {
            throw new IndexOutOfBoundsException("columns [" + first + ", " + (first + count) + ") of " + columns);
        }
        return new CudaTensor(engine, address + (long) first * dtype.byteSize(), rows, count, rowStride, dtype, null);
    }

    private void requireDense(String what) {
        if (quantized != null) {
            throw new UnsupportedOperationException(what + " of a quantized weight " + this);
        }
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
        return "CudaTensor[" + rows + "x" + columns + " stride " + rowStride + " "
                + (quantized != null ? quantized.layout().formatName() + " scales " : "") + dtype + " @0x" + Long.toHexString(address) + "]";
    }
}
