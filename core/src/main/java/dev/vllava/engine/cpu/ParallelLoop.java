package dev.vllava.engine.cpu;

import java.util.function.IntConsumer;

/**
 * Runs a loop over {@code [0, count)} on a fixed {@link ThreadTeam}, split into contiguous ranges.
 * Ranges are about four per thread so that a thread slowed by another process does not hold everyone
 * back. With one thread, or when called from inside one of its own loops, the loop runs inline.
 */
final class ParallelLoop implements AutoCloseable {

    @FunctionalInterface
    interface RangeBody {
        void run(int start, int end);
    }

    private static final int CHUNKS_PER_THREAD = 4;

    private final ThreadTeam team;
    private final int threads;

    ParallelLoop(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.team = threads == 1 ? null : new ThreadTeam(threads);
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
        if (team == null || count <= chunk || team.isInside()) {
            body.run(0, count);
            return;
        }
        team.run(body, count, chunk);
    }

    /**
     * Runs {@code body} for every index in {@code [0, count)}, each index its own chunk, for work
     * items of uneven cost (threads claim the next index when done with theirs).
     */
    void forEach(int count, IntConsumer body) {
        if (count <= 0) {
            return;
        }
        RangeBody each = (start, end) -> {
            for (int i = start; i < end; i++) {
                body.accept(i);
            }
        };
        if (team == null || count == 1 || team.isInside()) {
            each.run(0, count);
            return;
        }
        team.run(each, count, 1);
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
        if (team != null) {
            team.close();
        }
    }
}
