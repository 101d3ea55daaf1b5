package dev.vllava.checkpoint.quant;

import dev.vllava.VllavaException;

/**
 * How weights are quantized: symmetric signed integers of {@code bits} bits with one scale per
 * {@code groupSize} consecutive inputs of a row (compressed-tensors' "group" strategy). Group 32
 * gives the bits per weight of llama.cpp's Q8_0 / Q4_0, so speed comparisons with it are fair.
 */
public record QuantScheme(int bits, int groupSize) {

    public static final int DEFAULT_GROUP = 32;

    public QuantScheme {
        if (bits != 8 && bits != 4) {
            throw VllavaException.usage("quantized weights have 8 or 4 bits, got %d", bits);
        }
        if (groupSize < 8 || groupSize % 8 != 0) {
            throw VllavaException.usage("--group must be a positive multiple of 8, got %d", groupSize);
        }
    }

    /** {@code q8} or {@code q4} (as {@code --weights} names them) with the given group size. */
    public static QuantScheme parse(String name, int groupSize) {
        return switch (name) {
            case "q8" -> new QuantScheme(8, groupSize);
            case "q4" -> new QuantScheme(4, groupSize);
            default -> throw VllavaException.usage("--weights must be q8 or q4, got '%s'", name);
        };
    }

    /** The largest code: 127 or 7 (the smallest is {@code -maxCode - 1}). */
    public int maxCode() {
        return (1 << (bits - 1)) - 1;
    }

    /** {@code q8} / {@code q4}. */
    public String name() {
        return "q" + bits;
    }
}
