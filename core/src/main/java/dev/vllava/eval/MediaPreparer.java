package dev.vllava.eval;

/**
 * Loads and preprocesses an item's media ahead of the model, on the runner's background threads, so that
 * decoding video overlaps with generation. Supplied by the caller (the eval package does not depend on the
 * media decoder). May also tokenize the prompt and check it fits the context, so that the model thread
 * only generates.
 *
 * <p>Throw a {@link dev.vllava.VllavaException} (media, context overflow or usage) for a problem with this
 * item: missing or corrupt file, prompt too long. The item is then written with that message as its
 * {@code error} and the run goes on. Must be safe to call from several threads at once.
 */
@FunctionalInterface
public interface MediaPreparer<M> {
    M prepare(EvalItem item, String prompt);
}
