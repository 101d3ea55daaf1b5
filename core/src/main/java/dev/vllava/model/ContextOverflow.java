package dev.vllava.model;

import dev.vllava.Failure;
import dev.vllava.VllavaException;

/**
 * A prompt that does not fit the context with room for every token it may generate. The message
 * names values only; {@link #advice} lets a front end name its own option for the token limit.
 */
public final class ContextOverflow extends VllavaException {
    private final String problem;
    private final int newTokensThatFit;

    private ContextOverflow(String problem, int newTokensThatFit) {
        super(Failure.CONTEXT_OVERFLOW, newTokensThatFit > 0 ? problem + "; at most " + newTokensThatFit + " new tokens fit" : problem);
        this.problem = problem;
        this.newTokensThatFit = newTokensThatFit;
    }

    /**
     * The one context check, made before any work: {@code promptTokens} after {@code used} tokens already held,
     * plus {@code maxNewTokens}, must fit {@code capacity} (a prompt that fits but leaves too little room for
     * the answer fails now rather than mid-answer).
     */
    static void require(int used, PreparedPrompt prompt, int promptTokens, int maxNewTokens, int capacity) {
        String earlier = used > 0 ? " after " + used + " earlier tokens" : "";
        if ((long) used + promptTokens > capacity) {
            throw new ContextOverflow(String.format("the prompt needs %d tokens (%d of them visual)%s but the context holds %d",
                    promptTokens, prompt.assembled().visualTokens(), earlier, capacity), 0);
        }
        if ((long) used + promptTokens + maxNewTokens > capacity) {
            throw new ContextOverflow(String.format("%d prompt tokens%s + %d max new tokens = %d exceed the context of %d tokens",
                    promptTokens, used > 0 ? " + " + used + " earlier tokens" : "", maxNewTokens,
                    (long) used + promptTokens + maxNewTokens, capacity), capacity - used - promptTokens);
        }
    }

    /** Most new tokens that would have fit (0 when the prompt alone does not). */
    public int newTokensThatFit() {
        return newTokensThatFit;
    }

    /** The message with the way out in the caller's terms, e.g. {@code advice("--max-new-tokens")}. */
    public String advice(String tokenLimitName) {
        return newTokensThatFit > 0 ? problem + "; lower " + tokenLimitName + " to at most " + newTokensThatFit : problem;
    }
}
