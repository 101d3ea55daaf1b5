package dev.vllava.eval;

/**
 * What the model answered for one item: the decoded text (special tokens skipped, stripped) and the
 * generated token ids (including the end-of-sequence id when generation stopped on it), or, when this item
 * failed, a one-line {@code error} instead.
 */
public record Prediction(String text, int[] tokenIds, String error) {

    public static Prediction of(String text, int[] tokenIds) {
        return new Prediction(text, tokenIds.clone(), null);
    }

    /** A per-item failure the predictor reports without throwing (e.g. one prompt of a batch too long). */
    public static Prediction failed(String message) {
        return new Prediction(null, null, message);
    }

    public boolean failed() {
        return error != null;
    }
}
