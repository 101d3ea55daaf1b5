package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * stdout that cannot be written ends the run (process level: the fault is the file descriptor). A full
 * disk is exit 7 with one line, the answer never reported as given; a reader that went away is the
 * quiet exit 141 of a tool ended by SIGPIPE, after the first token that could not be delivered.
 */
class OutputFailureIT {
    private static final String MODEL = "testdata/tiny-a/model";
    private static final String VIDEO = "testdata/shapes/bench/media/v000.mp4";

    @Test
    void anAnswerThatCannotBeWrittenIsExitSevenWithOneLine() {
        for (List<String> format : List.of(List.<String>of(), List.of("--json"))) {
            CliProcess.Result run = CliProcess.runInShell("> /dev/full", askArgs(8, format));
            assertEquals(7, run.exitCode(), run.describe());
            assertEquals("vllava: error: cannot write to stdout (No space left on device)\n", run.errLines(), run.describe());
        }
        CliProcess.Result version = CliProcess.runInShell("> /dev/full", "--version");
        assertEquals(7, version.exitCode(), "even --version reports the lost output: " + version.describe());
    }

    @Test
    void aReaderThatGoesAwayStopsGenerationQuietlyWith141() {
        // 200 tokens take seconds; the reader leaves after one byte, so only a run that stops at the next
        // token's write can exit 141 (before, it generated on and exited 0).
        CliProcess.Result run = CliProcess.runInShell("| head -c 1 > /dev/null", askArgs(200, List.of()));
        assertEquals(141, run.exitCode(), run.describe());
        assertEquals("", run.errLines(), "no error line for a closed pipe, as Unix tools: " + run.describe());
    }

    private static String[] askArgs(int maxNewTokens, List<String> extra) {
        List<String> args = new java.util.ArrayList<>(List.of("ask", "--model", MODEL, "--video", VIDEO,
                "--max-new-tokens", Integer.toString(maxNewTokens)));
        args.addAll(extra);
        args.add("Describe the video.");
        return args.toArray(String[]::new);
    }
}
