package dev.vllava.checkpoint;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One tensor of a checkpoint: its bytes stay in the memory-mapped file ({@code data} is a slice of
 * the mapping, little-endian, row-major), so holding a TensorData costs nothing until it is read.
 */
public record TensorData(String name, DType dtype, long[] shape, MemorySegment data) {

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
        return name + " " + dtype + Arrays.toString(shape);
    }
}
