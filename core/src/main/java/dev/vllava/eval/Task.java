package dev.vllava.eval;

import dev.vllava.VllavaException;
import java.util.List;
import java.util.Locale;

/**
 * What kind of answer a benchmark expects; it decides the prompt suffix and how a prediction is judged.
 *
 * <ul>
 *   <li>{@link #OPEN}: free-form short answers (MSVD-QA, MSRVTT-QA, TGIF-QA, ActivityNet-QA), judged by
 *       normalised exact match.
 *   <li>{@link #YESNO}: yes/no questions (POPE), judged after reducing the prediction to yes or no.
 *   <li>{@link #CHOICE}: multiple choice with lettered options (MMBench), judged by the chosen letter.
 * </ul>
 */
public enum Task {
    OPEN,
    YESNO,
    CHOICE;

    /** The name used on the command line and in the metrics JSON. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code open|yesno|choice} (case-insensitive); anything else is a usage error. */
    public static Task parse(String text) {
        for (Task task : values()) {
            if (task.cliName().equalsIgnoreCase(text.strip())) {
                return task;
            }
        }
        throw VllavaException.usage("unknown --task '%s' (expected open, yesno or choice)", text);
    }

    /**
     * The task a file most likely holds when the user gave none: {@code choice} when any item has options,
     * {@code yesno} when every answer present is yes or no, else {@code open}.
     */
    public static Task infer(List<EvalItem> items) {
        boolean anyAnswer = false;
        boolean allYesNo = true;
        for (EvalItem item : items) {
            if (item.options() != null && !item.options().isEmpty()) {
                return CHOICE;
            }
            if (item.answer() != null) {
                anyAnswer = true;
                allYesNo &= Answers.yesNoLabel(item.answer()) != null;
            }
        }
        return anyAnswer && allYesNo ? YESNO : OPEN;
    }
}
