package dev.vllava.eval;

import java.util.List;
import java.util.Locale;

/** Reading yes/no answers (POPE's rule) and the ground-truth labels of yes/no and choice items. */
public final class Answers {
    private Answers() {}

    /**
     * Reduces a free-text answer to yes or no exactly as POPE's {@code evaluate.py} and LLaVA's
     * {@code eval_pope.py} do, so that our numbers are comparable with the papers': keep the text before the
     * first period, delete commas, split on single spaces, and answer "no" when a word is exactly
     * {@code No}, {@code no} or {@code not}, else "yes". The quirks are kept on purpose: the match is
     * case-sensitive ({@code NO} counts as yes), an empty answer counts as yes, and {@code No!} is yes.
     *
     * @return true for yes, false for no
     */
    public static boolean parseYesNo(String prediction) {
        String text = prediction;
        int period = text.indexOf('.');
        if (period >= 0) {
            text = text.substring(0, period);
        }
        text = text.replace(",", "");
        for (String word : text.split(" ", -1)) {
            if (word.equals("No") || word.equals("no") || word.equals("not")) {
                return false;
            }
        }
        return true;
    }

    /**
     * The ground-truth label of a yes/no item: {@code yes} or {@code no} in any case, surrounding
     * whitespace and a final period ignored.
     *
     * @return true for yes, false for no, null when the answer is neither (the item is then not scored)
     */
    public static Boolean yesNoLabel(String answer) {
        String label = answer.strip().toLowerCase(Locale.ROOT);
        if (label.endsWith(".")) {
            label = label.substring(0, label.length() - 1).strip();
        }
        return switch (label) {
            case "yes" -> Boolean.TRUE;
            case "no" -> Boolean.FALSE;
            default -> null;
        };
    }

    /**
     * The option letter a ground-truth answer names: a letter of the options in either case ({@code B},
     * {@code (b)}), or the text of one option (equal after {@link VqaAnswerProcessor#process}); null when it
     * names none. MMBench's answers are capital letters; the leniency only helps hand-made files.
     */
    public static String choiceLabel(String answer, List<ChoiceOption> options) {
        String bare = answer.strip().replaceAll("^[(\\[]+|[)\\].:]+$", "").strip();
        if (bare.length() == 1 && isOption(bare.toUpperCase(Locale.ROOT), options)) {
            return bare.toUpperCase(Locale.ROOT);
        }
        String processed = VqaAnswerProcessor.process(answer);
        for (ChoiceOption option : options) {
            if (!processed.isEmpty() && VqaAnswerProcessor.process(option.text()).equals(processed)) {
                return option.letter();
            }
        }
        return null;
    }

    private static boolean isOption(String letter, List<ChoiceOption> options) {
        return options.stream().anyMatch(option -> option.letter().equals(letter));
    }
}
