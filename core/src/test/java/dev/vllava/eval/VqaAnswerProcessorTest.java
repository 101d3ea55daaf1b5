package dev.vllava.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/**
 * Each expected value is what LLaVA's {@code m4c_evaluator.py} {@code EvalAIAnswerProcessor()(answer)}
 * returns (commit c121f0432da27facab705978f83c4ada465e46fd), checked against that code.
 */
class VqaAnswerProcessorTest {
    private static void processesTo(String expected, String answer) {
        assertEquals(expected, VqaAnswerProcessor.process(answer), answer);
    }

    @Test
    void issueCasesMatchAndDifferAsTheOfficialProcessorSays() {
        assertEquals(VqaAnswerProcessor.process("none"), VqaAnswerProcessor.process("0"), "official: both '0'");
        assertEquals(VqaAnswerProcessor.process("u.s."), VqaAnswerProcessor.process("us"), "official: both 'us'");
        assertNotEquals(VqaAnswerProcessor.process("10%"), VqaAnswerProcessor.process("10"), "official: '10%' vs '10'");
        assertNotEquals(VqaAnswerProcessor.process("$5"), VqaAnswerProcessor.process("5"), "official: '$5' vs '5'");
        assertNotEquals(VqaAnswerProcessor.process("it's"), VqaAnswerProcessor.process("its"), "official: \"it 's\" vs 'its'");
        assertNotEquals(VqaAnswerProcessor.process("man\u2019s"), VqaAnswerProcessor.process("mans"), "official: curly quote kept");
    }

    @Test
    void firstStepLowercasesDeletesCommasAndQuestionMarksAndSplitsPossessives() {
        processesTo("what", "What?");
        processesTo("1000", "1,000");
        processesTo("tom 's", "Tom's");
        processesTo("red ball", "red\nball");
    }

    @Test
    void punctuationTouchingASpaceIsDeletedElseBecomesASpace() {
        processesTo("t shirt", "t-shirt");
        processesTo("x y", "x_y");
        processesTo("left right up", "left-right (up)");
        processesTo("he said hi", "he said \"hi\"");
        processesTo("10%", "10%");
        processesTo("$5", "$5");
    }

    @Test
    void periodsAreDeletedUnlessADigitFollowsAtMost32Times() {
        processesTo("us", "u.s.");
        processesTo("abc", "A.B.C");
        processesTo("2.5", "2.5");
        processesTo("5", "5.");
        processesTo("eg 3.5 kg", "e.g. 3.5 kg");
        processesTo("........", ".".repeat(40));
    }

    @Test
    void numberWordsArticlesAndContractions() {
        processesTo("0", "none");
        processesTo("2 dogs", "Two dogs");
        processesTo("apple", "an apple");
        processesTo("dog", "The Dog.");
        processesTo("b", "a (b)");
        processesTo("don't", "dont");
        processesTo("i'm", "I'm");
        processesTo("somebodyd", "somebody'd");
        processesTo("ow 's'at", "ow's'at");
    }
}
