package dev.vllava.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each expected value is what VLMEvalKit's {@code can_infer(answer, choices)} returns at commit
 * e8e78f05f3080fe28154f2130321f17951c3be94 (False written as null), checked against that code.
 */
class ChoiceMatcherTest {
    private static final List<ChoiceOption> ANIMALS = options("cat", "dog", "bird", "fish");

    private static List<ChoiceOption> options(String... texts) {
        List<ChoiceOption> options = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            options.add(new ChoiceOption(String.valueOf((char) ('A' + i)), texts[i]));
        }
        return options;
    }

    private static String infer(String answer) {
        return ChoiceMatcher.infer(answer, ANIMALS);
    }

    @Test
    void issueCasesAreReadAsVlmEvalKitReadsThem() {
        assertNull(infer("b"), "official: False (letters are capitals only)");
        assertNull(infer("(b)"), "official: False");
        assertNull(infer("'B'"), "official: False (quotes are not separators)");
        assertEquals("A", infer("A dog"), "official: A (the capital A is option A)");
        assertNull(infer("The correct answer is (B) dog, not (C) bird"), "official: False (two letters, two options)");
        assertNull(infer("B is correct because the dog barks"), "official: False (B is not among the last 4 tokens)");
        assertNull(ChoiceMatcher.infer("red apple", options("red", "red apple")), "official: False (both options occur)");
        assertEquals("B", infer("hotdog"), "official: B (option text is matched as a substring)");
    }

    @Test
    void answerIsPhraseWinsOverTwoLetters() {
        // The issue expected no answer here; VLMEvalKit reads B since #1552 (a67ace50, 2026-06-17).
        assertEquals("B", infer("The answer is B, not C"), "official: B");
        assertEquals("D", infer("answer is d"), "official: D (the phrase is matched in any case)");
        assertEquals("B", infer("The answer is Blue"), "official: B (no word boundary after the letter)");
        assertNull(ChoiceMatcher.infer("The answer is E because it is the largest one",
                options("one", "two", "three", "four", "five")), "official: False (the phrase reads A-D only)");
    }

    @Test
    void oneLetterAmongTheLastFourTokensIsTheChoice() {
        assertEquals("B", infer("B"), "official: B");
        assertEquals("B", infer("(B)"), "official: B");
        assertEquals("B", infer("B."), "official: B");
        assertEquals("B", infer("**B**"), "official: B");
        assertEquals("B", infer("B is correct"), "official: B");
        assertNull(infer("Option B is right, I believe"), "official: False");
        assertNull(infer("A B"), "official: False (two letters)");
        assertEquals("E", ChoiceMatcher.infer("The answer is E", options("one", "two", "three", "four", "five")),
                "official: E");
    }

    @Test
    void refusalsAndZReadAsZ() {
        assertEquals("Z", infer("Cannot determine the answer"), "official: Z");
        assertEquals("Z", infer("Z"), "official: Z");
        assertNull(infer("Failed to obtain answer via API: B"), "official: False (API failure reads no letter)");
    }

    @Test
    void optionTextCountsOnlyInAnswersAtMostTwiceAsLongAsAllOptions() {
        assertEquals("B", infer("I think it is a dog"), "official: B (19 characters <= 2 * 14)");
        assertNull(infer("I am quite sure that it is a dog"), "official: False (32 characters > 28)");
    }
}
