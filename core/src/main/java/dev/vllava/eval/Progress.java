package dev.vllava.eval;

import java.time.Duration;
import java.util.Optional;

/**
 * Where a run stands.
 *
 * @param total items in this shard
 * @param skipped items found done in the output file when the run started (resume)
 * @param done items finished by this run, failed ones included
 * @param errors items of this run that failed
 * @param elapsedNanos time since this run started
 */
public record Progress(int total, int skipped, int done, int errors, long elapsedNanos) {

    /** Items still to do in this run. */
    public int remaining() {
        return total - skipped - done;
    }

    /** Throughput of this run (resumed items do not count); 0 before the first item. */
    public double itemsPerSecond() {
        return elapsedNanos <= 0 ? 0 : done / (elapsedNanos / 1e9);
    }

    /** Remaining items at the throughput so far; empty before the first item finishes. */
    public Optional<Duration> eta() {
        double rate = itemsPerSecond();
        if (rate <= 0) {
            return remaining() == 0 ? Optional.of(Duration.ZERO) : Optional.empty();
        }
        return Optional.of(Duration.ofMillis(Math.round(remaining() / rate * 1000)));
    }

    public Duration elapsed() {
        return Duration.ofNanos(elapsedNanos);
    }
}
