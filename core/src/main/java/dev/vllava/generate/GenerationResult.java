package dev.vllava.generate;

/**
 * What one generation produced: the new token ids (an end-of-sequence token that stopped it is
 * included, as transformers' generate returns it), why it stopped and how long each phase took.
 */
public record GenerationResult(int[] tokenIds, FinishReason finishReason, Timings timings) {

    public GenerationResult withTimings(Timings newTimings) {
        return new GenerationResult(tokenIds, finishReason, newTimings);
    }
}
