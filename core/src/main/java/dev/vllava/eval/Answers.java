package dev.vllava.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turning free-text model answers into something comparable: normalised text, yes/no, an option letter. */
public final class Answers {
    private static final Map<String, String> NUMBER_WORDS = Map.ofEntries(
            Map.entry("zero", "0"), Map.entry("one", "1"), Map.entry("two", "2"), Map.entry("three", "3"),
            Map.entry("four", "4"), Map.entry("five", "5"), Map.entry("six", "6"), Map.entry("seven", "7"),
            Map.entry("eight", "8"), Map.entry("nine", "9"), Map.entry("ten", "10"));

    private Answers() {}

    /**
     * Normalisation for open-ended exact match, in the spirit of the VQA evaluation's answer processing:
     * lower-case; apostrophes dropped ({@code don't -> dont}); a comma between digits dropped
     * ({@code 1,000 -> 1000}) and a period between digits kept ({@code 2.5}); every other punctuation or
     * symbol character becomes a space; the articles a, an, the removed; number words zero..ten become
     * digits (as VQA's map does); whitespace collapsed to single spaces and trimmed. VQA's contraction table
     * is not applied (answers in the video QA sets are single words or short phrases).
     */
    public static String normalize(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        StringBuilder cleaned = new StringBuilder(lower.length());
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            boolean betweenDigits = i > 0 && i + 1 < lower.length()
                    && Character.isDigit(lower.charAt(i - 1)) && Character.isDigit(lower.charAt(i + 1));
            if (c == '\'' || c == '\u2019' || (c == ',' && betweenDigits)) {
                continue;
            }
            if (c == '.' && betweenDigits) {
                cleaned.append(c);
            } else if (isPunctuationOrSymbol(c)) {
                cleaned.append(' ');
            } else {
                cleaned.append(c);
            }
        }
        List<String> words = new ArrayList<>();
        for (String word : cleaned.toString().strip().split("\\s+")) {
            if (word.isEmpty() || word.equals("a") || word.equals("an") || word.equals("the")) {
                continue;
            }
            words.add(NUMBER_WORDS.getOrDefault(word, word));
        }
        return String.join(" ", words);
    }

    private static boolean isPunctuationOrSymbol(char c) {
        return switch (Character.getType(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL,
                    Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }

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

    private static final Pattern LEADING_LETTER = Pattern.compile("^[(\\[]?\\s*([A-Z])\\s*(?:[).:\\]]|$)");
    private static final Pattern ANSWER_IS_LETTER = Pattern.compile(
            "(?i:answer|option|choice)\\s*(?i:is)?\\s*:?\\s*(?i:option\\s*)?[(\\[]?([A-Z])(?![A-Za-z])");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9]+");

    /**
     * The option letter a free-text answer picks, or null when it picks none or several. Tried in order:
     * <ol>
     *   <li>the whole answer is a letter, bare or decorated: {@code B}, {@code b}, {@code (B)}, {@code B.};
     *   <li>the answer starts with a letter followed by {@code .}, {@code )}, {@code :}: {@code B. apple},
     *       {@code (B) apple};
     *   <li>a phrase names it: {@code The answer is B}, {@code Answer: (C)}, {@code the correct option is D};
     *   <li>the option text: the normalised answer equals one option's normalised text, or contains exactly
     *       one option's text as whole words (an option contained in another matching option is dropped, so
     *       {@code red apple} picks "red apple" over "red");
     *   <li>exactly one distinct option letter stands alone as an upper-case word; {@code A} and {@code I}
     *       followed by a lower-case word are English words, not choices ({@code "A cat"}, {@code "I think B"}
     *       picks B).
     * </ol>
     * Only letters of the item's options count.
     */
    public static String parseChoice(String prediction, List<ChoiceOption> options) {
        String text = prediction.strip();
        String bare = text.replaceAll("^[\\s(\\[\"'*]+|[\\s)\\]\"'.:,*]+$", "");
        if (bare.length() == 1 && isOption(bare.toUpperCase(Locale.ROOT), options)) {
            return bare.toUpperCase(Locale.ROOT);
        }
        Matcher leading = LEADING_LETTER.matcher(text);
        if (leading.find() && isOption(leading.group(1), options)) {
            return leading.group(1);
        }
        Matcher phrase = ANSWER_IS_LETTER.matcher(text);
        while (phrase.find()) {
            if (isOption(phrase.group(1), options)) {
                return phrase.group(1);
            }
        }
        String byText = optionByText(text, options);
        if (byText != null) {
            return byText;
        }
        return loneLetter(text, options);
    }

    /**
     * The option letter a ground-truth answer names: a letter of the options ({@code B}, {@code (B)}) or
     * the exact text of one option (normalised); null when it names none.
     */
    public static String choiceLabel(String answer, List<ChoiceOption> options) {
        String bare = answer.strip().replaceAll("^[(\\[]+|[)\\].:]+$", "").strip();
        if (bare.length() == 1 && isOption(bare.toUpperCase(Locale.ROOT), options)) {
            return bare.toUpperCase(Locale.ROOT);
        }
        String normalized = normalize(answer);
        for (ChoiceOption option : options) {
            if (!normalized.isEmpty() && normalize(option.text()).equals(normalized)) {
                return option.letter();
            }
        }
        return null;
    }

    private static boolean isOption(String letter, List<ChoiceOption> options) {
        for (ChoiceOption option : options) {
            if (option.letter().equals(letter)) {
                return true;
            }
        }
        return false;
    }

    private static String optionByText(String text, List<ChoiceOption> options) {
        String answer = normalize(text);
        if (answer.isEmpty()) {
            return null;
        }
        List<ChoiceOption> contained = new ArrayList<>();
        for (ChoiceOption option : options) {
            String optionText = normalize(option.text());
            if (optionText.isEmpty()) {
                continue;
            }
            if (optionText.equals(answer)) {
                return option.letter();
            }
            if ((" " + answer + " ").contains(" " + optionText + " ")) {
                contained.add(option);
            }
        }
        List<ChoiceOption> maximal = new ArrayList<>();
        for (ChoiceOption option : contained) {
            String optionText = " " + normalize(option.text()) + " ";
            boolean insideAnother = false;
            for (ChoiceOption other : contained) {
                String otherText = " " + normalize(other.text()) + " ";
                if (other != option && otherText.length() > optionText.length() && otherText.contains(optionText)) {
                    insideAnother = true;
                }
            }
            if (!insideAnother) {
                maximal.add(option);
            }
        }
        return maximal.size() == 1 ? maximal.getFirst().letter() : null;
    }

    private static String loneLetter(String text, List<ChoiceOption> options) {
        List<String> tokens = new ArrayList<>();
        Matcher token = TOKEN.matcher(text);
        while (token.find()) {
            tokens.add(token.group());
        }
        String found = null;
        for (int i = 0; i < tokens.size(); i++) {
            String word = tokens.get(i);
            if (word.length() != 1 || !Character.isUpperCase(word.charAt(0)) || !isOption(word, options)) {
                continue;
            }
            boolean beforeLowerWord = i + 1 < tokens.size() && Character.isLowerCase(tokens.get(i + 1).charAt(0));
            if ((word.equals("A") || word.equals("I")) && beforeLowerWord) {
                continue;
            }
            if (found != null && !found.equals(word)) {
                return null;
            }
            found = word;
        }
        return found;
    }
}
