package dev.vllava.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AnswersTest {
    private static final List<ChoiceOption> FRUIT = List.of(
            new ChoiceOption("A", "apple"), new ChoiceOption("B", "red apple"),
            new ChoiceOption("C", "banana"), new ChoiceOption("D", "two pears"));

    @Test
    void openNormalisationLowercasesStripsPunctuationArticlesAndSpaces() {
        assertEquals("dog", Answers.normalize("The Dog."));
        assertEquals("playing guitar", Answers.normalize("  Playing   guitar! "));
        assertEquals("mans hat", Answers.normalize("a man's hat"));
        assertEquals("2", Answers.normalize("two"));
        assertEquals("3.5 kg", Answers.normalize("3.5 kg"));
        assertEquals("1000", Answers.normalize("1,000"));
        assertEquals("t shirt", Answers.normalize("T-shirt"));
        assertEquals("", Answers.normalize("the."));
    }

    @Test
    void yesNoFollowsPopeEvaluateRuleIncludingItsQuirks() {
        assertTrue(Answers.parseYesNo("Yes, there is a dog."));
        assertFalse(Answers.parseYesNo("No."));
        assertFalse(Answers.parseYesNo("No, there is no dog."));
        assertFalse(Answers.parseYesNo("There is not a dog"));
        assertFalse(Answers.parseYesNo("no"));
        assertTrue(Answers.parseYesNo("There is a dog. No cat though."), "only the first sentence counts");
        assertTrue(Answers.parseYesNo("NO"), "POPE matches No/no/not case-sensitively");
        assertTrue(Answers.parseYesNo("Nope"), "anything without a negative word is yes");
        assertTrue(Answers.parseYesNo(""), "empty answers count as yes, as in POPE");
    }

    @Test
    void yesNoLabelsAcceptCaseAndPeriod() {
        assertEquals(Boolean.TRUE, Answers.yesNoLabel(" Yes."));
        assertEquals(Boolean.FALSE, Answers.yesNoLabel("NO"));
        assertNull(Answers.yesNoLabel("maybe"));
    }

    @Test
    void choiceLetterIsFoundInTheUsualAnswerShapes() {
        assertEquals("B", Answers.parseChoice("B", FRUIT));
        assertEquals("B", Answers.parseChoice("b", FRUIT));
        assertEquals("B", Answers.parseChoice("(B)", FRUIT));
        assertEquals("B", Answers.parseChoice("B.", FRUIT));
        assertEquals("B", Answers.parseChoice("B. red apple", FRUIT));
        assertEquals("C", Answers.parseChoice("(C) banana", FRUIT));
        assertEquals("D", Answers.parseChoice("The answer is D.", FRUIT));
        assertEquals("C", Answers.parseChoice("Answer: (C)", FRUIT));
        assertEquals("C", Answers.parseChoice("The correct option is C because it is yellow", FRUIT));
        assertEquals("C", Answers.parseChoice("I think C is right", FRUIT));
    }

    @Test
    void choiceFallsBackToOptionText() {
        assertEquals("C", Answers.parseChoice("Banana", FRUIT));
        assertEquals("D", Answers.parseChoice("2 pears", FRUIT), "numbers normalise like VQA");
        assertEquals("B", Answers.parseChoice("It is a red apple.", FRUIT), "the longer option containing the other wins");
        assertEquals("A", Answers.parseChoice("A. apple", FRUIT));
        assertNull(Answers.parseChoice("A cat sits on the mat", FRUIT), "'A' before a word is an article");
        assertNull(Answers.parseChoice("banana or apple", FRUIT), "two options named: no choice");
        assertNull(Answers.parseChoice("E", FRUIT), "E is not an option");
        assertNull(Answers.parseChoice("", FRUIT));
    }

    @Test
    void choiceLabelsAreLettersOrOptionText() {
        assertEquals("B", Answers.choiceLabel("B", FRUIT));
        assertEquals("B", Answers.choiceLabel("(b)", FRUIT));
        assertEquals("C", Answers.choiceLabel("banana", FRUIT));
        assertNull(Answers.choiceLabel("kiwi", FRUIT));
    }
}
