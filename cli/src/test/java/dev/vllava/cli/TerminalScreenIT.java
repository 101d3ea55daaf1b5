package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * vllava in a real terminal (tmux, 150 x 12, as a user's window): what stays on the screen after
 * {@code ask} and after chat turns. Progress bars are drawn there (stderr is a terminal), so these tests
 * see what the output-contract tests cannot: lines erased or overwritten, and escape-sequence debris.
 */
class TerminalScreenIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(3); // a cold JVM on a busy 2-core machine
    private static final String DEMO = "--model testdata/shapes/model --video testdata/shapes/bench/media/v000.mp4";
    private static final String QUESTION = "What color is the shape?";

    @Test
    void askLeavesEarlierLinesAndTheAnswerAndNoProgress() {
        try (TmuxScreen screen = TmuxScreen.open(150, 12)) {
            screen.typeLine("echo before; ./vllava ask " + DEMO + " " + TmuxScreen.quote(QUESTION) + "; echo after");
            String text = screen.await(t -> lines(t).contains("after"), TIMEOUT, "the line after the answer");

            assertInOrder(text, List.of("before", "green", "after"));
            assertEquals(lines(text).indexOf("green") + 1, lines(text).indexOf("after"), "the answer is one line, then the shell's\n" + text);
            assertNoDebris(text);
        }
    }

    @Test
    void anErrorAfterAProgressBarIsAWholeLine() {
        try (TmuxScreen screen = TmuxScreen.open(150, 12)) {
            screen.typeLine("echo before; ./vllava ask --model testdata/shapes/model --video README.md 'What color?'; echo \"after $?\"");
            String text = screen.await(t -> t.contains("\nafter "), TIMEOUT, "the line after the error");

            List<String> lines = lines(text);
            String error = lines.stream().filter(l -> l.contains("vllava: error:")).findFirst().orElseThrow();
            assertTrue(error.startsWith("vllava: error: README.md: cannot read media file"), "the error starts its own line:\n" + text);
            assertInOrder(text, List.of("before", error, "after 3"));
            assertNoDebris(text);
        }
    }

    @Test
    void chatKeepsEachQuestionAndItsAnswerOverTwoTurns() {
        try (TmuxScreen screen = TmuxScreen.open(150, 12)) {
            screen.typeLine("echo before; ./vllava chat " + DEMO);
            screen.await(t -> t.endsWith(">>> [1 attached]"), TIMEOUT, "the first prompt");
            screen.typeLine(QUESTION);
            screen.await(t -> lines(t).contains("green") && t.endsWith(">>>"), TIMEOUT, "the first answer and the next prompt");
            screen.typeLine("/reset");
            screen.typeLine("/video testdata/shapes/bench/media/v001.mp4");
            screen.await(t -> t.endsWith(">>> [1 attached]"), TIMEOUT, "the prompt with the new video");
            screen.typeLine(QUESTION);
            String text = screen.await(t -> lines(t).contains("yellow") && t.endsWith(">>>"), TIMEOUT, "the second answer");

            assertInOrder(text, List.of("before",
                    ">>> [1 attached] " + QUESTION, "green",
                    ">>> /reset", "(new conversation)",
                    ">>> /video testdata/shapes/bench/media/v001.mp4",
                    "(video testdata/shapes/bench/media/v001.mp4 attached to the next question)",
                    ">>> [1 attached] " + QUESTION, "yellow",
                    ">>>"));
            assertNoDebris(text);
            screen.press("C-d");
            screen.await(t -> t.endsWith("$"), TIMEOUT, "the shell after Ctrl-D");
        }
    }

    private static List<String> lines(String text) {
        return text.lines().map(String::stripTrailing).toList();
    }

    /** Each expected line is a whole line of the screen, in this order (other lines may come between). */
    private static void assertInOrder(String text, List<String> expected) {
        List<String> lines = lines(text);
        int from = 0;
        for (String line : expected) {
            int at = lines.subList(from, lines.size()).indexOf(line);
            assertTrue(at >= 0, "line '" + line + "' missing or out of order on the screen:\n" + text);
            from += at + 1;
        }
    }

    /** No progress left behind and no escape sequence shown as text (tmux has interpreted the real ones). */
    private static void assertNoDebris(String text) {
        for (String debris : List.of("\u001b", "[K", "[A", "Reading the prompt", "Loading model", "Reading media", "Paging in")) {
            assertFalse(text.contains(debris), "'" + debris.replace("\u001b", "ESC") + "' left on the screen:\n" + text);
        }
    }
}
