package dev.vllava.generate;

/** Wall-clock milliseconds of each phase of one answer. */
public record Timings(double visionMs, double prefillMs, double decodeMs) {

    public double totalMs() {
        return visionMs + prefillMs + decodeMs;
    }
}
