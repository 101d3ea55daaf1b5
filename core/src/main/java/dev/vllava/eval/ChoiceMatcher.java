package dev.vllava.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the option a free-text answer picks exactly as VLMEvalKit's exact-matching policy does
 * ({@code vlmeval/utils/matching_util.py}: {@code can_infer} = {@code can_infer_option}, else
 * {@code can_infer_text}; commit e8e78f05f3080fe28154f2130321f17951c3be94, 2026-08-18):
 * <ol>
 *   <li>an answer containing "Failed to obtain answer via API" reads no letter (the text rule still runs);
 *       one containing a refusal phrase reads {@value #REFUSED};
 *   <li>the characters {@code . ( ) [ ] , : ; ! * # { }} become spaces and the answer is split on
 *       whitespace. Exactly one option letter among the tokens (case-sensitive: {@code b} is no letter,
 *       nor is {@code 'B'}) picks that letter when its first occurrence is among the last four tokens
 *       ({@code A dog} is A; in {@code B is correct because it barks} the B is too far from the end). No
 *       letter but a token {@code Z} reads {@value #REFUSED};
 *   <li>else the first "answer is X" / "correct answer is X" (any case, X one of A-D, optionally in
 *       {@code **}) that names an option picks it: {@code The answer is B, not C} is B;
 *   <li>else the option texts: when the answer (lower-cased) is at most twice as long as all option texts
 *       together, the one option whose lower-cased text occurs in it as a substring ({@code hotdog} names
 *       {@code dog}; {@code red apple} names both {@code red} and {@code red apple}, so none).
 * </ol>
 * Nothing found is {@code null}; under VLMEvalKit's exact matching that is a wrong answer (it records
 * {@code Z}), and so is {@value #REFUSED} unless Z is the right option.
 */
public final class ChoiceMatcher {
    /** VLMEvalKit's letter for "the model refused or named no option". */
    public static final String REFUSED = "Z";

    private static final String API_FAILURE = "Failed to obtain answer via API";
    private static final List<String> REFUSALS = List.of(
            "Sorry, I can't help with images of people yet.", "I can't process this file.",
            "I'm sorry, but without the image provided", "Cannot determine the answer");
    private static final String SEPARATORS = ".()[],:;!*#{}";
    private static final int LAST_TOKENS = 4;
    private static final Pattern ANSWER_IS = Pattern.compile(
            "(?i)(?:correct\\s+)?answer\\s+is\\s+\\**([ABCD])\\**", Pattern.UNICODE_CHARACTER_CLASS);

    private ChoiceMatcher() {}

    /** The letter the prediction picks among {@code options}, {@value #REFUSED}, or null. */
    public static String infer(String prediction, List<ChoiceOption> options) {
        String letter = byLetter(prediction, options);
        return letter != null ? letter : byText(prediction, options);
    }

    /** {@code can_infer_option}. */
    static String byLetter(String answer, List<ChoiceOption> options) {
        if (answer.contains(API_FAILURE)) {
            return null;
        }
        for (String refusal : REFUSALS) {
            if (answer.contains(refusal)) {
                return REFUSED;
            }
        }
        String spaced = answer;
        for (char separator : SEPARATORS.toCharArray()) {
            spaced = spaced.replace(separator, ' ');
        }
        List<String> tokens = PythonText.split(spaced);
        List<String> named = new ArrayList<>();
        for (ChoiceOption option : options) {
            if (tokens.contains(option.letter())) {
                named.add(option.letter());
            }
        }
        if (named.size() == 1) {
            if (tokens.indexOf(named.getFirst()) > tokens.size() - 1 - LAST_TOKENS) {
                return named.getFirst();
            }
        } else if (named.isEmpty() && tokens.contains(REFUSED)) {
            return REFUSED;
        }
        Matcher phrase = ANSWER_IS.matcher(answer);
        if (phrase.find()) {
            String letter = phrase.group(1).toUpperCase(Locale.ROOT);
            if (isOption(letter, options)) {
                return letter;
            }
        }
        return null;
    }

    /** {@code can_infer_text}. */
    static String byText(String answer, List<ChoiceOption> options) {
        String lower = answer.toLowerCase(Locale.ROOT);
        int optionsLength = 0;
        for (ChoiceOption option : options) {
            optionsLength += PythonText.length(option.text());
        }
        if (PythonText.length(lower) > 2 * optionsLength) {
            return null;
        }
        String found = null;
        for (ChoiceOption option : options) {
            if (lower.contains(option.text().toLowerCase(Locale.ROOT))) {
                if (found != null) {
                    return null;
                }
                found = option.letter();
            }
        }
        return found;
    }

    private static boolean isOption(String letter, List<ChoiceOption> options) {
        return options.stream().anyMatch(option -> option.letter().equals(letter));
    }
}
