package dev.vllava.generate;

import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * The decode loop: choose a token from the current logits, report it, stop on an end-of-sequence
 * id, the token limit or the listener's request, otherwise feed it back ({@code step}) for the next logits. It knows
 * nothing of the model: {@code step} is typically {@code id -> decoder.decodeStep(id, kvCache)}.
 */
public final class Generator {
    private Generator() {}

    /**
     * @param prefillLogits logits after the prompt (one row)
     * @param step          feeds one token and returns the logits that follow it
     */
    public static GenerationResult generate(Engine engine, Tensor prefillLogits, IntFunction<Tensor> step,
            GenerationOptions options, TokenListener listener) {
        long start = System.nanoTime();
        Sampler sampler = new Sampler(engine, options.sampling());
        int[] tokens = new int[options.maxNewTokens()];
        int count = 0;
        Tensor logits = prefillLogits;
        FinishReason reason;
        while (true) {
            int token = sampler.next(logits);
            tokens[count++] = token;
            listener.onToken(token);
            reason = options.finishAfter(token, count);
            if (reason != null) {
                break;
            }
            if (listener.stopRequested()) {
                reason = FinishReason.CANCELLED;
                break;
            }
            logits = step.apply(token);
        }
        double decodeMs = (System.nanoTime() - start) / 1e6;
        return new GenerationResult(Arrays.copyOf(tokens, count), reason, new Timings(0, 0, decodeMs));
    }
}
