package dev.vllava.eval.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class VerdictTest {
    private static Verdict verdict(String pred, String score) {
        return new Verdict(pred, new BigDecimal(score));
    }

    @Test
    void readsPythonDictAndJsonQuoting() {
        assertEquals(verdict("yes", "4"), Verdict.parse("{'pred': 'yes', 'score': 4}"));
        assertEquals(verdict("no", "0"), Verdict.parse("{\"pred\": \"no\", \"score\": 0}"));
        assertEquals(verdict("yes", "4.8"), Verdict.parse("{'pred': 'yes', 'score': 4.8}"), "the prompt's own example");
        assertEquals(verdict("yes", "3"), Verdict.parse("{'pred': 'Yes', 'score': '3'}"), "a string score and a capital");
        assertEquals(verdict("no", "2"), Verdict.parse("{pred: 'no', score: 2,}"));
    }

    @Test
    void findsTheVerdictInSurroundingText() {
        assertEquals(verdict("yes", "5"), Verdict.parse("Sure! {'pred': 'yes', 'score': 5} Hope this helps."));
        assertEquals(verdict("no", "1"), Verdict.parse("```python\n{'pred': 'no', 'score': 1}\n```"));
        assertEquals(verdict("yes", "2"), Verdict.parse("{not a verdict} then {'pred': 'yes', 'score': 2}"));
    }

    @Test
    void refusesRepliesWithoutAVerdict() {
        assertNull(Verdict.parse("yes, 4"));
        assertNull(Verdict.parse("{'pred': 'maybe', 'score': 3}"));
        assertNull(Verdict.parse("{'pred': 'yes'}"));
        assertNull(Verdict.parse("{'pred': 'yes', 'score': 'high'}"));
        assertNull(Verdict.parse("{'pred': 'yes', 'score': 4"));
    }
}
