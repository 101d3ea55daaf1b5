package dev.vllava.model;

import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;

/**
 * An activation buffer of fixed width kept across forward steps: {@link #rows} hands out a view of
 * its first rows and reallocates only when a step needs more rows than any before it, so a decode
 * loop allocates nothing after its first step.
 */
final class ReusedTensor implements AutoCloseable {
    private final Engine engine;
    private final int columns;
    private Tensor storage;

    ReusedTensor(Engine engine, int columns) {
        this.engine = engine;
        this.columns = columns;
    }

    /** A {@code [rows, columns]} view; its contents are whatever the last step left there. */
    Tensor rows(int rows) {
        if (storage == null || storage.rows() < rows) {
            close();
            storage = engine.allocate(rows, columns);
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
