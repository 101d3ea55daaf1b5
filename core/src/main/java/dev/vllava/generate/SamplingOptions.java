package dev.vllava.generate;

import dev.vllava.VllavaException;

/**
 * How the next token is chosen: {@code temperature == 0} is greedy (argmax, the default, reproducible);
 * otherwise logits are divided by the temperature, cut to the {@code topK} best ({@code 0}: no cut) and
 * to the smallest set whose probability reaches {@code topP} ({@code 1}: no cut), in transformers'
 * order, then drawn with a generator seeded by {@code seed}.
 */
public record SamplingOptions(double temperature, int topK, double topP, long seed) {

    public static final SamplingOptions GREEDY = new SamplingOptions(0, 0, 1, 0);

    public SamplingOptions {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw VllavaException.usage("temperature must be a finite number >= 0, got %s", temperature);
        }
        if (topK < 0) {
            throw VllavaException.usage("top-k must be >= 0, got %d", topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw VllavaException.usage("top-p must be in (0, 1], got %s", topP);
        }
    }

    public boolean greedy() {
        return temperature == 0;
    }
}
