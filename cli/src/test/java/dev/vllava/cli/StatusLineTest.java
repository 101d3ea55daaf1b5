package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The bytes the status line sends to the terminal: its own line only, never a cursor move up. */
class StatusLineTest {
    private static final String ERASE = "\r\033[K";
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    // fd 0 in a test is not a terminal: the width is the 80-column fallback
    private final StatusLine line = new StatusLine(new PrintStream(screen, true, StandardCharsets.UTF_8), Terminal.STDIN);

    private String written() {
        return screen.toString(StandardCharsets.UTF_8);
    }

    @Test
    void showDrawsOnTheCursorsLineAndHideErasesThatLineOnly() {
        line.show("Loading model 0:00:01");
        line.show("Loading model 0:00:02");
        line.hide();
        assertEquals("\rLoading model 0:00:01\033[K\rLoading model 0:00:02\033[K" + ERASE, written());
        assertFalse(written().contains("\033[A"), "never moves the cursor up");
    }

    @Test
    void otherStderrTextIsPrintedAboveTheStatus() {
        PrintStream stderr = line.above();
        line.show("eval 3/10");
        stderr.println("WARN item 3 failed");
        assertEquals("\reval 3/10\033[K" + ERASE + "WARN item 3 failed\n\reval 3/10\033[K", written());
    }

    @Test
    void aLineOthersLeftOpenIsNeverDrawnOver() {
        PrintStream stderr = line.above();
        stderr.print(">>> ");
        line.show("Reading the prompt");
        assertEquals(">>> ", written(), "the status waits for that line to end");
        stderr.println();
        assertEquals(">>> \n\rReading the prompt\033[K", written());
    }

    @Test
    void hideWhenNothingIsDrawnWritesNothing() {
        line.hide();
        assertEquals("", written());
    }

    @Test
    void keepLeavesTheLastStatusAsALine() {
        line.show("eval 10/10 done");
        line.keep();
        line.hide();
        assertEquals("\reval 10/10 done\033[K\n", written());
    }

    @Test
    void fitCutsVisibleTextAndKeepsEveryEscapeSequence() {
        assertEquals("abc", StatusLine.fit("abcdef", 3));
        assertEquals("\033[33mab\033[0m", StatusLine.fit("\033[33mabcd\033[0m", 2), "colours take no room and are never cut in half");
        assertEquals("short", StatusLine.fit("short", 80));
    }
}
