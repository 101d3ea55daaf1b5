package dev.vllava.checkpoint;

import dev.vllava.checkpoint.quant.QuantizedLayout;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One tensor of a checkpoint: its bytes stay in the memory-mapped file ({@code data} is a slice of
 * the mapping, little-endian, row-major), so holding a TensorData costs nothing until it is read.
 *
 * <p>A quantized weight ({@code quantized != null}) keeps its logical shape and, as {@code dtype},
 * the dtype of its scales (what it dequantizes to); {@code data} then holds the packed integer
 * codes and {@link QuantizedLayout} says how to read them.
 */
public record TensorData(String name, DType dtype, long[] shape, MemorySegment data, QuantizedLayout quantized) {

    /** A plain (unquantized) tensor. */
    public TensorData(String name, DType dtype, long[] shape, MemorySegment data) {
        this(name, dtype, shape, data, null);
    }

    public boolean isQuantized() {
        return quantized != null;
    }

    public long elementCount() {
        long count = 1;
        for (long dim : shape) {
            count *= dim;
        }
        return count;
    }

    /** Rows of a 2-D view: the first dimension; for a 1-D tensor, 1. */
    public long rows() {
        return shape.length < 2 ? 1 : shape[0];
    }

    /** Columns of a 2-D view: the product of all dimensions after the first. */
    public long columns() {
        return shape.length < 2 ? elementCount() : elementCount() / shape[0];
    }

    @Override
    public String toString() {
        return name + " " + (quantized == null ? dtype : quantized.formatName()) + Arrays.toString(shape);
    }
}
