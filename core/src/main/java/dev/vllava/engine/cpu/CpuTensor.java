package dev.vllava.engine.cpu;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A CPU tensor: a window on a little-endian memory segment (an off-heap activation buffer, or a
 * slice of the memory-mapped checkpoint for a weight). {@code offset} counts elements from the
 * segment start; views share the segment and own nothing.
 */
final class CpuTensor implements Tensor {

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED;

    final MemorySegment segment;
    final DType dtype;
    final long offset;
    final int rows;
    final int columns;
    final int rowStride;
    /** Non-null only for the tensor that owns an allocation (closing frees it). */
    private ActivationMemory.Block block;
    private final ActivationMemory memory;

    CpuTensor(MemorySegment segment, DType dtype, long offset, int rows, int columns, int rowStride,
              ActivationMemory.Block block, ActivationMemory memory) {
        this.segment = segment;
        this.dtype = dtype;
        this.offset = offset;
        this.rows = rows;
        this.columns = columns;
        this.rowStride = rowStride;
        this.block = block;
        this.memory = memory;
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

    /** Byte offset of element (row, column) within {@link #segment}. */
    long byteOffset(int row, int column) {
        return (offset + (long) row * rowStride + column) * dtype.byteSize();
    }

    /** Element (row, column) as F32, whatever the stored dtype. */
    float get(int row, int column) {
        long at = byteOffset(row, column);
        return switch (dtype) {
            case F32 -> segment.get(F32, at);
            case F16 -> Float.float16ToFloat(segment.get(HALF, at));
            case BF16 -> Float.intBitsToFloat(segment.get(HALF, at) << 16);
        };
    }

    /** Writes an element of an F32 tensor. */
    void set(int row, int column, float value) {
        segment.set(F32, byteOffset(row, column), value);
    }

    /** Row {@code row} converted to F32 into {@code into[0, columns)}. */
    void readRow(int row, float[] into) {
        Halves.toFloats(dtype, segment, byteOffset(row, 0), columns, into);
    }

    /** Writes {@code from[0, columns)} into row {@code row} of an F32 or F16 tensor (rounded to nearest even). */
    void writeRow(int row, float[] from) {
        long at = byteOffset(row, 0);
        switch (dtype) {
            case F32 -> MemorySegment.copy(from, 0, segment, F32, at, columns);
            case F16 -> {
                for (int c = 0; c < columns; c++) {
                    segment.set(HALF, at + 2L * c, Float.floatToFloat16(from[c]));
                }
            }
            case BF16 -> throw new IllegalArgumentException("cannot write into " + this + ": BF16 tensors are read-only");
        }
    }

    boolean isF32() {
        return dtype == DType.F32;
    }

    @Override
    public CpuTensor rowSlice(int first, int count) {
        checkRange(first, count, rows, "rows");
        return new CpuTensor(segment, dtype, offset + (long) first * rowStride, count, columns, rowStride,
                null, memory);
    }

    @Override
    public CpuTensor columnSlice(int first, int count) {
        checkRange(first, count, columns, "columns");
        return new CpuTensor(segment, dtype, offset + first, rows, count, rowStride, null, memory);
    }

    static void checkRange(int first, int count, int size, String what) {
        if (first < 0 || count < 0 || first + count > size) {
            throw new IllegalArgumentException(
                    "slice [" + first + ", " + (first + count) + ") outside " + size + " " + what);
        }
    }

    @Override
    public void close() {
        ActivationMemory.Block owned = block;
        if (owned != null) {
            block = null;
            memory.give(owned);
        }
    }

    @Override
    public String toString() {
        return "CpuTensor[" + rows + "x" + columns + " stride " + rowStride + " " + dtype + "]";
    }
}
