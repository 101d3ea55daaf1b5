package dev.vllava.engine;

import dev.vllava.checkpoint.DType;

/**
 * A 2-D tensor owned by an {@link Engine}: {@code rows × columns}, row-major, consecutive rows
 * {@link #rowStride()} elements apart (views of column ranges have a stride wider than their width).
 * Activations are F32; weights keep the dtype they had in the checkpoint.
 */
public interface Tensor extends AutoCloseable {

    int rows();

    int columns();

    /** Elements between the starts of consecutive rows. */
    int rowStride();

    DType dtype();

    /** A view of rows {@code [first, first + count)}; it shares storage and owns nothing. */
    Tensor rowSlice(int first, int count);

    /** A view of columns {@code [first, first + count)} of every row; it shares storage and owns nothing. */
    Tensor columnSlice(int first, int count);

    /** Frees the storage of an allocated tensor; views and weights ignore it. */
    @Override
    void close();
}
