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
    void choiceLabelsAreLettersOrOptionText() {
        assertEquals("B", Answers.choiceLabel("B", FRUIT));
        assertEquals("B", Answers.choiceLabel("(b)", FRUIT));
        assertEquals("C", Answers.choiceLabel("Banana.", FRUIT));
        assertEquals("D", Answers.choiceLabel("2 pears", FRUIT), "option text compared after the VQA processing");
        assertNull(Answers.choiceLabel("kiwi", FRUIT));
    }
}
