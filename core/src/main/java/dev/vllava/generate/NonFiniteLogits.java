package dev.vllava.generate;

import dev.vllava.VllavaException;

/**
 * The logits of every step must be finite: a NaN or infinity means the weights or the activations
 * overflowed, and sampling from them would answer nonsense with exit 0 ("circle circle ..."). Checked
 * where each token is chosen ({@link Sampler#next}); one pass over a vocabulary-sized row, negligible
 * next to the step that made it (README, "Non-finite checks").
 */
final class NonFiniteLogits {
    private NonFiniteLogits() {}

    static void check(float[] logits) {
        for (int id = 0; id < logits.length; id++) {
            if (!Float.isFinite(logits[id])) {
                throw VllavaException.checkpoint("the model produced a non-finite logit (%s for token id %d): its weights or activations overflow; the checkpoint is damaged or not meant for this dtype",
                        logits[id], id);
            }
        }
    }
}
