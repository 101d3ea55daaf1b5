package dev.vllava.model;

import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;

/**
 * An activation buffer of fixed width kept across forward steps: {@link #rows} hands out a view of
 * its first rows. A buffer made with a row capacity (the decoder's workspace, whose steps are bounded)
 * is allocated at once and never again. A buffer without one (the vision tower's, sized by the first
 * medium it encodes) takes memory on first use and grows to twice what it held when a pass needs more.
 */
final class ReusedTensor implements AutoCloseable {
    private final Engine engine;
    private final int columns;
    private Tensor storage;

    /** A buffer that takes memory on its first use. */
    ReusedTensor(Engine engine, int columns) {
        this.engine = engine;
        this.columns = columns;
    }

    /** A buffer of {@code capacityRows} rows, allocated now. */
    ReusedTensor(Engine engine, int capacityRows, int columns) {
        this(engine, columns);
        this.storage = engine.allocate(capacityRows, columns);
    }

    /** A {@code [rows, columns]} view; its contents are whatever the last step left there. */
    Tensor rows(int rows) {
        if (storage == null || storage.rows() < rows) {
            int capacity = storage == null ? rows : Math.max(rows, 2 * storage.rows());
            close();
            storage = engine.allocate(capacity, columns);
        }
        return storage.rowSlice(0, rows);
    }

    @Override
    public void close() {
        if (storage != null) {
            storage.close();
            storage = null;
        }
    }
}
