package dev.vllava.checkpoint;

import dev.vllava.VllavaException;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything wrong with a checkpoint, gathered before any compute so that the user sees all of it
 * in one line (a re-export that lost ten tensors should say so once, not ten times).
 */
final class CheckpointProblems {
    /** Items shown per category; the rest are counted, so the line stays readable for a broken 7B checkpoint. */
    private static final int SHOWN_NAMES = 5;
    private static final int SHOWN_FILE_PROBLEMS = 2;

    private final String where;
    private final List<String> damaged = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();
    private final List<String> unexpected = new ArrayList<>();
    private final List<String> misShaped = new ArrayList<>();
    private final List<String> badDtypes = new ArrayList<>();

    CheckpointProblems(String where) {
        this.where = where;
    }

    /** A corrupt file, a missing shard, an index that disagrees with a shard: one sentence each. */
    void damaged(String problem) {
        damaged.add(problem);
    }

    void missing(String name) {
        missing.add(name);
    }

    void unexpected(String name) {
        unexpected.add(name);
    }

    void misShaped(String name, String expected, String found) {
        misShaped.add(name + ": expected " + expected + ", found " + found);
    }

    void badDtype(String name, String dtype) {
        badDtypes.add(name + ": " + dtype);
    }

    boolean isEmpty() {
        return damaged.isEmpty() && missing.isEmpty() && unexpected.isEmpty() && misShaped.isEmpty() && badDtypes.isEmpty();
    }

    void throwIfAny() {
        if (!isEmpty()) {
            throw VllavaException.checkpoint("%s", message());
        }
    }

    String message() {
        List<String> parts = new ArrayList<>();
        if (!damaged.isEmpty()) {
            parts.add(damaged.size() + " damaged (" + list(damaged, SHOWN_FILE_PROBLEMS, "; ") + ")");
        }
        if (!missing.isEmpty()) {
            parts.add(missing.size() + " missing tensor" + (missing.size() == 1 ? "" : "s") + " (" + list(missing) + ")");
        }
        if (!unexpected.isEmpty()) {
            parts.add(unexpected.size() + " unexpected (" + list(unexpected) + ")");
        }
        if (!misShaped.isEmpty()) {
            parts.add(misShaped.size() + " mis-shaped (" + list(misShaped) + ")");
        }
        if (!badDtypes.isEmpty()) {
            parts.add(badDtypes.size() + " with a dtype other than F32/F16/BF16 (" + list(badDtypes) + ")");
        }
        return "checkpoint " + where + ": " + String.join(", ", parts);
    }

    private static String list(List<String> items) {
        return list(items, SHOWN_NAMES, ", ");
    }

    private static String list(List<String> items, int shown, String separator) {
        String head = String.join(separator, items.subList(0, Math.min(shown, items.size())));
        int more = items.size() - shown;
        return more > 0 ? head + separator + "... and " + more + " more" : head;
    }
}
