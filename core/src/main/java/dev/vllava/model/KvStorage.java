package dev.vllava.model;

import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Tensor;

/**
 * Where one sequence's keys and values live, per decoder layer. The forward pass only appends rows
 * and attends over what is stored, so a paged store (fixed-size blocks and a block table, prefix
 * blocks shared read-only between sequences) replaces {@link ContiguousKvStorage} without the
 * model code changing: {@link PagedKvStorage} implements them over its blocks.
 */
interface KvStorage extends AutoCloseable {

    /** Most positions it can hold. */
    int capacity();

    /**
     * Stores {@code keys} rotated by {@code rotation} (as at their positions) and {@code values} ({@code [n, kvWidth]},
     * unrotated keys: scratch afterwards) at positions {@code first .. first + n - 1} of {@code layer}.
     */
    void write(int layer, int first, Tensor keys, Tensor values, KeyRotation rotation);

    /**
     * {@code out = attention(queries, stored[0 .. visible))} for {@code layer}; {@code shape.queryOffset()} is
     * the position of query row 0.
     */
    void attend(int layer, Tensor out, Tensor queries, int visible, AttentionShape shape);

    /**
     * A storage of {@code capacity} positions whose first {@code positions} hold this one's; writes to either
     * leave the other unchanged ({@link PagedKvStorage} shares its blocks, {@link ContiguousKvStorage} copies).
     */
    KvStorage share(int positions, int capacity);

    @Override
    void close();
}
