package dev.vllava.generate;

import dev.vllava.VllavaException;
import java.util.Set;

/** Limits and stopping rule of one generation. */
public record GenerationOptions(int maxNewTokens, SamplingOptions sampling, Set<Integer> eosTokenIds) {

    public GenerationOptions {
        if (maxNewTokens < 1) {
            throw VllavaException.usage("--max-new-tokens must be at least 1, got %d", maxNewTokens);
        }
        eosTokenIds = Set.copyOf(eosTokenIds);
    }

    public static GenerationOptions greedy(int maxNewTokens, Set<Integer> eosTokenIds) {
        return new GenerationOptions(maxNewTokens, SamplingOptions.GREEDY, eosTokenIds);
    }
}
