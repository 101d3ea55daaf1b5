package dev.vllava.generate;

import dev.vllava.VllavaException;
import java.util.Set;

/** Limits and stopping rule of one generation. */
public record GenerationOptions(int maxNewTokens, SamplingOptions sampling, Set<Integer> eosTokenIds) {

    public GenerationOptions {
        if (maxNewTokens < 1) {
            throw VllavaException.usage("max new tokens must be at least 1, got %d", maxNewTokens);
        }
        eosTokenIds = Set.copyOf(eosTokenIds);
    }

    /**
     * The stopping rule, shared by single and batched generation: after the {@code generated}-th token
     * {@code token}, an end-of-sequence id stops ({@link FinishReason#STOP}), reaching the limit ends
     * ({@link FinishReason#LENGTH}); null means go on.
     */
    public FinishReason finishAfter(int token, int generated) {
        if (eosTokenIds.contains(token)) {
            return FinishReason.STOP;
        }
        return generated >= maxNewTokens ? FinishReason.LENGTH : null;
    }

    public static GenerationOptions greedy(int maxNewTokens, Set<Integer> eosTokenIds) {
        return new GenerationOptions(maxNewTokens, SamplingOptions.GREEDY, eosTokenIds);
    }
}
