package dev.vllava.eval;

import dev.vllava.model.ChatTemplate;
import dev.vllava.model.MediaKind;

/**
 * Builds the Video-LLaVA prompt for an item: the first turn of {@link ChatTemplate} (no system text) with
 * one placeholder line per medium, images first, and the task's user text.
 *
 * <p>What {@code {text}} is per task, following the public Video-LLaVA / LLaVA-1.5 eval scripts:
 * <ul>
 *   <li>{@code open}: the question as-is ({@code run_inference_video_qa.py} adds nothing).
 *   <li>{@code yesno}: the question as-is. LLaVA's POPE run ({@code model_vqa_loader.py}) adds nothing
 *       either: the suffix "Answer the question using a single word or phrase." is part of the question text
 *       in its {@code llava_pope_test.jsonl}. So a POPE file converted from LLaVA's keeps that suffix in its
 *       {@code question} and reproduces LLaVA's prompt; we never append it ourselves, which keeps the
 *       prompt exactly what the file says.
 *   <li>{@code choice}: as {@code model_vqa_mmbench.py} with {@code --single-pred-prompt}: the hint (if
 *       any) and a newline, the question, one line {@code "A. option"} per option, then
 *       "Answer with the option's letter from the given choices directly."
 * </ul>
 */
public final class TaskPrompts {
    /** The instruction LLaVA's MMBench eval appends to multiple-choice questions (English). */
    public static final String CHOICE_INSTRUCTION = "Answer with the option's letter from the given choices directly.";

    private TaskPrompts() {}

    /** The whole prompt for one item. */
    public static String prompt(EvalItem item, Task task) {
        int images = (int) item.media().stream().filter(m -> m.kind() == MediaKind.IMAGE).count();
        return ChatTemplate.firstTurn(null, images, item.media().size() - images, userText(item, task));
    }

    /** The user's turn without placeholders: the question, and for {@code choice} the options. */
    public static String userText(EvalItem item, Task task) {
        if (task != Task.CHOICE) {
            return item.question();
        }
        StringBuilder text = new StringBuilder();
        if (item.hint() != null) {
            text.append(item.hint()).append('\n');
        }
        text.append(item.question());
        for (ChoiceOption option : item.options()) {
            text.append('\n').append(option.letter()).append(". ").append(option.text());
        }
        return text.append('\n').append(CHOICE_INSTRUCTION).toString();
    }
}
