package dev.vllava.engine.cpu;

import java.util.concurrent.atomic.AtomicLong;

/** Bytes of activation memory the engine holds now, and the most it has held. */
final class MemoryLedger {

    private final AtomicLong current = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();

    void acquire(long bytes) {
        long now = current.addAndGet(bytes);
        peak.accumulateAndGet(now, Math::max);
    }

    void release(long bytes) {
        current.addAndGet(-bytes);
    }

    long current() {
        return current.get();
    }

    long peak() {
        return peak.get();
    }
}
