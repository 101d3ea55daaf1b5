package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ChatTemplateTest {

    @Test
    void firstTurnIsTheModelCardPromptWithImagePlaceholdersFirst() {
        assertEquals("USER: <video>\nWhy? ASSISTANT:", ChatTemplate.firstTurn(null, 0, 1, "Why?"));
        assertEquals("Be brief. USER: <image>\n<image>\n<video>\nWhy? ASSISTANT:", ChatTemplate.firstTurn("Be brief.", 2, 1, "Why?"));
    }

    @Test
    void laterTurnClosesAnAnswerCutByTheTokenLimit() {
        assertEquals("USER: Why? ASSISTANT:", ChatTemplate.nextTurn(true, 0, 0, "Why?"), "the answer's own </s> was fed");
        assertEquals("</s>USER: <image>\nAnd? ASSISTANT:", ChatTemplate.nextTurn(false, 1, 0, "And?"));
    }
}
