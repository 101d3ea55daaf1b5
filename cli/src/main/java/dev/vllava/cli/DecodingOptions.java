package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.generate.SamplingOptions;
import picocli.CommandLine.Option;

/** How answers are generated: token limit and sampling (greedy unless {@code --temperature > 0}). */
final class DecodingOptions {
    static final int DEFAULT_MAX_NEW_TOKENS = 512;

    @Option(names = "--max-new-tokens", paramLabel = "N",
            description = "Most tokens per answer (default: " + DEFAULT_MAX_NEW_TOKENS + ", lowered to what the context has room for).")
    Integer maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0", description = "0 = greedy (default); > 0 samples.")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Sample among the K most likely tokens (default 0 = all).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "Sample among the most likely tokens holding probability P (default 1 = all).")
    double topP;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Sampling seed: the same seed gives the same answer (default: ${DEFAULT-VALUE}).")
    long seed;

    SamplingOptions sampling() {
        return new SamplingOptions(temperature, topK, topP, seed);
    }

    /**
     * The token limit for a prompt that leaves {@code room} tokens free in the context: an explicit
     * {@code --max-new-tokens} as given (too large a value is reported as a context overflow, exit 6),
     * the default lowered to fit (at least 1, so a prompt that fills the context is reported too).
     */
    int maxNewTokens(int room) {
        if (maxNewTokens != null) {
            if (maxNewTokens < 1) {
                throw VllavaException.usage("--max-new-tokens must be at least 1, got %d", maxNewTokens);
            }
            return maxNewTokens;
        }
        return Math.max(1, Math.min(DEFAULT_MAX_NEW_TOKENS, room));
    }
}
