package dev.vllava.model;

import dev.vllava.generate.FinishReason;
import dev.vllava.generate.Timings;

/**
 * One answer: its text ({@code decode(ids, skip_special_tokens=True)}), the generated ids (an EOS that
 * stopped generation included), the expanded prompt length and why and how fast it was produced.
 */
public record Answer(String text, int[] tokenIds, int promptTokens, FinishReason finishReason, Timings timings) {

    public int generatedTokens() {
        return tokenIds.length;
    }
}
