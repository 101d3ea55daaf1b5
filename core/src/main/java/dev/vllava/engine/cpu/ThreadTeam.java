package dev.vllava.engine.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed team of worker threads that stay alive between operations: the calling thread and
 * {@code size - 1} workers claim the chunks of one loop from a shared counter, and the caller
 * returns when every chunk is done. A decode step runs some 540 such loops per token; a fork-join
 * {@code invoke} per loop parked and woke the pool's workers each time, so a worker spins for
 * {@link #SPIN_NANOS} after a loop (the next one usually comes within microseconds) before it parks.
 *
 * <p>Chunks are claimed, not assigned, so a thread slowed by another process on a shared machine
 * takes fewer chunks instead of holding the others back. One loop runs at a time; a loop started from
 * inside a chunk body (by a worker, or by the caller while it runs chunks) runs inline on that thread.
 */
final class ThreadTeam implements AutoCloseable {

    /** How long an idle thread polls before parking: a few loop gaps of a decode step, well under a scheduler tick. */
    static final long SPIN_NANOS = 50_000;

    private final Worker[] workers;
    private final ReentrantLock dispatch = new ReentrantLock();
    /** The loop now running; published before {@link #epoch} is bumped. */
    private volatile Job job;
    private volatile long epoch;
    private volatile boolean closed;

    ThreadTeam(int size) {
        workers = new Worker[size - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    /** True on a worker of this team or on a thread that is running one of its loops. */
    boolean isInside() {
        return Thread.currentThread() instanceof Worker worker && worker.team() == this
                || dispatch.isHeldByCurrentThread();
    }

    /** Runs {@code body} over {@code [0, count)} in chunks of {@code chunk} indices on the whole team. */
    void run(ParallelLoop.RangeBody body, int count, int chunk) {
        dispatch.lock();
        try {
            Job current = new Job(body, count, chunk, Thread.currentThread());
            job = current;
            epoch++;
            for (Worker worker : workers) {
                if (worker.parked) {
                    LockSupport.unpark(worker);
                }
            }
            current.work();
            current.awaitChunks();
            current.rethrow();
        } finally {
            dispatch.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Worker worker : workers) {
            LockSupport.unpark(worker);
        }
    }

    /** One loop: chunks claimed from {@code next}, counted down in {@code remaining}. */
    private static final class Job {
        private final ParallelLoop.RangeBody body;
        private final int count;
        private final int chunk;
        private final int chunks;
        private final Thread caller;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger remaining;
        private volatile Throwable failure;

        Job(ParallelLoop.RangeBody body, int count, int chunk, Thread caller) {
            this.body = body;
            this.count = count;
            this.chunk = chunk;
            this.chunks = ParallelLoop.ceilDiv(count, chunk);
            this.caller = caller;
            this.remaining = new AtomicInteger(chunks);
        }

        /** Runs chunks until none is left to claim; after a failure the rest are skipped, not run. */
        void work() {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                try {
                    if (failure == null) {
                        body.run(c * chunk, Math.min(count, (c + 1) * chunk));
                    }
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    if (remaining.decrementAndGet() == 0 && Thread.currentThread() != caller) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        void awaitChunks() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (remaining.get() > 0) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, SPIN_NANOS);
                }
            }
        }

        void rethrow() {
            Throwable t = failure;
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
        }
    }

    private final class Worker extends Thread {
        volatile boolean parked;

        Worker(int index) {
            super("vllava-cpu-" + index);
            setDaemon(true);
        }

        ThreadTeam team() {
            return ThreadTeam.this;
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                seen = awaitEpochAfter(seen);
                if (closed) {
                    return;
                }
                job.work();
            }
        }

        /** Polls for a new loop for {@link #SPIN_NANOS}, then parks until one is published or the team closes. */
        private long awaitEpochAfter(long seen) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (epoch == seen && !closed) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                if (epoch == seen && !closed) {
                    LockSupport.park(this);
                }
                parked = false;
            }
            return epoch;
        }
    }
}
