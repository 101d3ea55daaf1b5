package dev.vllava.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {

    @Test
    void textBeforeAStopStringSplitAcrossPiecesIsSentAndNothingAfterIt() {
        StopMatcher stop = new StopMatcher(List.of("END"));
        StringBuilder sent = new StringBuilder();
        for (String piece : List.of("The cat E", "N", "D and more")) {
            sent.append(stop.accept(piece));
        }
        assertEquals("The cat ", sent.toString());
        assertTrue(stop.stopped());
    }

    @Test
    void aPossibleStartOfAStopStringIsHeldBackUntilItCannotBeOne() {
        StopMatcher stop = new StopMatcher(List.of("###"));
        assertEquals("a ", stop.accept("a ##"), "'##' may become '###': held");
        assertEquals("##b", stop.accept("b"), "'##b' cannot: released");
        assertFalse(stop.stopped());
    }

    @Test
    void theEarliestOfSeveralStopStringsWins() {
        StopMatcher stop = new StopMatcher(List.of("dog", "cat"));
        assertEquals("a ", stop.accept("a cat and a dog"));
    }

    @Test
    void flushReturnsWhatWasHeldWhenTheAnswerEndsWithoutAStop() {
        StopMatcher stop = new StopMatcher(List.of("END"));
        assertEquals("x", stop.accept("xEN"));
        assertEquals("EN", stop.flush());
    }

    @Test
    void withoutStopStringsEverythingPassesAtOnce() {
        StopMatcher stop = new StopMatcher(List.of());
        assertEquals("anything", stop.accept("anything"));
    }
}
