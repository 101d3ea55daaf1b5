package dev.vllava.eval;

/** Receives the runner's progress, on the runner's thread: once at the start and after every batch. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = progress -> {};

    void onProgress(Progress progress);

    /** Called for each failed item, before its line is written; e.g. to log a warning on stderr. */
    default void onItemError(EvalItem item, String message) {}
}
