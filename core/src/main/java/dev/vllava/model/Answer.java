package dev.vllava.model;

import dev.vllava.generate.FinishReason;
import dev.vllava.generate.GenerationResult;
import dev.vllava.generate.Timings;
import dev.vllava.tokenizer.Tokenizer;

/**
 * One answer: its text ({@code decode(ids, skip_special_tokens=True)}), the generated ids (an EOS that
 * stopped generation included), the expanded prompt length and why and how fast it was produced.
 */
public record Answer(String text, int[] tokenIds, int promptTokens, FinishReason finishReason, Timings timings) {

    static Answer of(Tokenizer tokenizer, GenerationResult result, int promptTokens) {
        int[] generated = result.tokenIds();
        return new Answer(tokenizer.decode(generated, true), generated, promptTokens, result.finishReason(), result.timings());
    }

    public int generatedTokens() {
        return tokenIds.length;
    }
}
