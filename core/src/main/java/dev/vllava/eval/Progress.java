package dev.vllava.eval;

import java.time.Duration;
import java.util.Locale;
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

    /** One status line for stderr, e.g. {@code 120/1000 (3 errors, 40 resumed) 2.31 items/s ETA 6m21s}. */
    public String describe() {
        StringBuilder text = new StringBuilder().append(skipped + done).append('/').append(total)
                .append(" (").append(errors).append(errors == 1 ? " error" : " errors");
        if (skipped > 0) {
            text.append(", ").append(skipped).append(" resumed");
        }
        text.append(String.format(Locale.ROOT, ") %.2f items/s ETA ", itemsPerSecond()));
        text.append(eta().map(Progress::format).orElse("?"));
        return text.toString();
    }

    private static String format(Duration duration) {
        long seconds = duration.toSeconds();
        if (seconds >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
        }
        return seconds >= 60 ? String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60)
                : seconds + "s";
    }
}
