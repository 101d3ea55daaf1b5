package dev.vllava.cuda;

import dev.vllava.checkpoint.DType;
import java.util.List;

/**
 * A paged KV cache's blocks as the {@code *_paged} attention kernels read them (attention.cu,
 * {@code BlockRows}): the device address of each visible block's keys, then of its values, uploaded as one
 * array of {@code 2 × blocks} 64-bit addresses, and the row stride every block shares. Built and checked on
 * the host, so a block of another width, dtype or stride fails here and not as a wrong read on the device.
 *
 * @param addresses keys' addresses of blocks {@code 0 .. blocks-1}, then the values'
 * @param blockRows positions per block
 * @param rowStride elements between consecutive rows of every block
 * @param dtype     what every block stores (the KV cache's dtype)
 */
record DeviceBlockTable(long[] addresses, int blockRows, int rowStride, DType dtype) {

    /** The first {@code ceil(rows / blockRows)} blocks of {@code keys} and {@code values}, {@code [≥ rows in it, kvWidth]} each, of one dtype. */
    static DeviceBlockTable of(List<CudaTensor> keys, List<CudaTensor> values, int blockRows, int rows, int kvWidth) {
        int blocks = Math.ceilDiv(rows, blockRows);
        if (blocks == 0 || keys.size() < blocks || values.size() < blocks) {
            throw new IllegalArgumentException(rows + " rows in blocks of " + blockRows + ": " + keys.size() + " key and "
                    + values.size() + " value blocks");
        }
        int rowStride = keys.getFirst().rowStride();
        DType dtype = keys.getFirst().dtype();
        long[] addresses = new long[2 * blocks];
        for (int b = 0; b < blocks; b++) {
            int visible = Math.min(blockRows, rows - b * blockRows);
            addresses[b] = checked(keys.get(b), visible, kvWidth, rowStride, dtype);
            addresses[blocks + b] = checked(values.get(b), visible, kvWidth, rowStride, dtype);
        }
        return new DeviceBlockTable(addresses, blockRows, rowStride, dtype);
    }

    private static long checked(CudaTensor block, int visible, int kvWidth, int rowStride, DType dtype) {
        if (block.dtype() != dtype || block.columns() != kvWidth || block.rows() < visible || block.rowStride() != rowStride) {
            throw new IllegalArgumentException("KV block " + block + " in a table of " + kvWidth + "-wide " + dtype
                    + " blocks of stride " + rowStride);
        }
        return block.address;
    }

    int blocks() {
        return addresses.length / 2;
    }

    /** Byte offset of the values' addresses in the uploaded array. */
    long valuesOffset() {
        return (long) blocks() * Long.BYTES;
    }
}
