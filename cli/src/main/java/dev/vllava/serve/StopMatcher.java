package dev.vllava.serve;

import java.util.List;

/**
 * Cuts a streamed answer at the first of its stop strings. Text that could still turn out to be the start of a
 * stop string is held back until it cannot, so nothing past a stop string is ever sent.
 */
final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    StopMatcher(List<String> stops) {
        this.stops = stops;
    }

    /** Adds the next piece of the answer; returns the text that is now safe to send. */
    String accept(String piece) {
        if (stopped) {
            return "";
        }
        held.append(piece);
        int earliest = -1;
        for (String stop : stops) {
            int at = held.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        if (earliest >= 0) {
            stopped = true;
            String out = held.substring(0, earliest);
            held.setLength(0);
            return out;
        }
        int keep = longestStopPrefixAtEnd();
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /** Whether a stop string has appeared (the answer is complete). */
    boolean stopped() {
        return stopped;
    }

    /** The text held back, once the answer has ended without a stop string. */
    String flush() {
        String out = held.toString();
        held.setLength(0);
        return out;
    }

    private int longestStopPrefixAtEnd() {
        int longest = 0;
        for (String stop : stops) {
            for (int length = Math.min(stop.length() - 1, held.length()); length > longest; length--) {
                if (held.substring(held.length() - length).equals(stop.substring(0, length))) {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
