package dev.vllava.eval;

import java.util.List;

/**
 * The model, as the runner sees it: answers a batch of prepared items. Called from one thread, batches in
 * input order.
 *
 * <p>Must return exactly one {@link Prediction} per item, in the batch's order. A problem with one item can
 * be reported as {@link Prediction#failed}; throwing a {@link dev.vllava.VllavaException} of kind media,
 * context overflow or usage fails the batch, and the runner then retries its items one by one so that only
 * the faulty item is marked. Other failures (checkpoint, backend, internal, any other exception) stop the
 * run: every later item would fail the same way, and a resumed run must not skip them as done.
 */
@FunctionalInterface
public interface Predictor<M> {
    List<Prediction> predict(List<PreparedItem<M>> batch);
}
