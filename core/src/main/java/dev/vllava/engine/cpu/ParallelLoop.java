package dev.vllava.engine.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * Runs a loop over {@code [0, count)} on a fixed pool, split into contiguous ranges. Ranges are
 * about four per thread so that a thread slowed by another process does not hold everyone back.
 */
final class ParallelLoop implements AutoCloseable {

    @FunctionalInterface
    interface RangeBody {
        void run(int start, int end);
    }

    private static final int CHUNKS_PER_THREAD = 4;

    private final ForkJoinPool pool;
    private final int threads;

    ParallelLoop(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    int threads() {
        return threads;
    }

    /** Runs {@code body} over ranges of at least {@code grain} indices (the whole range inline if small). */
    void forRange(int count, int grain, RangeBody body) {
        if (count <= 0) {
            return;
        }
        int chunk = Math.max(Math.max(grain, 1), ceilDiv(count, threads * CHUNKS_PER_THREAD));
        if (pool == null || count <= chunk || ForkJoinTask.getPool() == pool) {
            body.run(0, count);
            return;
        }
        pool.invoke(new Split(body, 0, count, chunk));
    }

    /**
     * Runs {@code body} for every index in {@code [0, count)}, each index its own task, for work
     * items of uneven cost (work stealing balances them).
     */
    void forEach(int count, java.util.function.IntConsumer body) {
        if (count <= 0) {
            return;
        }
        if (pool == null || count == 1 || ForkJoinTask.getPool() == pool) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        pool.invoke(new Split((start, end) -> {
            for (int i = start; i < end; i++) {
                body.accept(i);
            }
        }, 0, count, 1));
    }

    /** Like {@link #forRange} with exactly one range per index group of {@code blockSize}. */
    void forBlocks(int count, int blockSize, RangeBody body) {
        int blocks = ceilDiv(count, blockSize);
        forRange(blocks, 1, (first, last) -> {
            for (int b = first; b < last; b++) {
                body.run(b * blockSize, Math.min(count, (b + 1) * blockSize));
            }
        });
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    private static final class Split extends RecursiveAction {
        private final RangeBody body;
        private final int start;
        private final int end;
        private final int chunk;

        Split(RangeBody body, int start, int end, int chunk) {
            this.body = body;
            this.start = start;
            this.end = end;
            this.chunk = chunk;
        }

        @Override
        protected void compute() {
            if (end - start <= chunk) {
                body.run(start, end);
                return;
            }
            int middle = start + ceilDiv((end - start) / 2, chunk) * chunk;
            if (middle >= end) {
                middle = start + (end - start) / 2;
            }
            invokeAll(new Split(body, start, middle, chunk), new Split(body, middle, end, chunk));
        }
    }
}
