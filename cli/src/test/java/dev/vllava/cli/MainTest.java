package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/** The dispatcher in process: help, version, completion, and how an unexpected failure is reported. */
class MainTest {

    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("a bug");
        }
    }

    @Test
    void unexpectedExceptionIsOneLineAndExitOne() {
        CapturedRun run = CapturedRun.capture(() -> Main.commandLine().addSubcommand(new Boom()).execute("boom"));
        assertEquals(1, run.exitCode());
        assertEquals("vllava: error: internal error: java.lang.IllegalStateException: a bug (run with -v for details)\n", run.err());
        assertEquals("", run.out());
    }

    @Test
    void aCommandLineBuildsOnlyTheCommandsItNeeds() {
        assertEquals(java.util.List.of(), Main.commandsFor("--version"), "--version reflects over no command");
        assertEquals(java.util.List.of(AskCommand.class), Main.commandsFor("-v", "ask", "--model", "m", "chat"), "the first word names the command");
        int all = Main.commandsFor("--help").size();
        assertTrue(all >= 9, "--help lists every command");
        assertEquals(all, Main.commandsFor().size(), "no command: picocli's usage message lists them all");
        assertEquals(all, Main.commandsFor("help", "ask").size(), "help may show any command");
        assertEquals(all, Main.commandsFor("completion").size(), "completion covers the whole tree");
        assertEquals(all, Main.commandsFor("askk").size(), "an unknown command gets picocli's message over the whole tree");
    }

    @Test
    void helpListsTheCommandsAndAskHelpTheExitCodes() {
        CapturedRun top = CapturedRun.capture(() -> Main.run("--help"));
        assertEquals(0, top.exitCode());
        for (String command : new String[] {"ask", "chat", "info", "tokenize", "frames", "completion"}) {
            assertTrue(top.out().contains("  " + command + " "), command + " in:\n" + top.out());
        }
        CapturedRun ask = CapturedRun.capture(() -> Main.run("ask", "--help"));
        assertEquals(0, ask.exitCode());
        for (String line : new String[] {"--max-new-tokens", "--raw-prompt", "--backend", "Exit codes:", "does not fit the model's context"}) {
            assertTrue(ask.out().contains(line), line + " in:\n" + ask.out());
        }
    }

    @Test
    void versionNamesTheTool() {
        CapturedRun run = CapturedRun.capture(() -> Main.run("--version"));
        assertEquals(0, run.exitCode());
        assertTrue(run.out().startsWith("vllava "), run.out());
    }

    @Test
    void completionPrintsABashScriptCoveringSubcommandsAndBackendNames() {
        CapturedRun run = CapturedRun.capture(() -> Main.run("completion"));
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("complete -F"), "a bash completion script");
        assertTrue(run.out().contains("chat") && run.out().contains("--max-new-tokens"), "subcommands and their options");
        assertTrue(run.out().contains("(\"auto\" \"cpu\" \"cuda\")"), "--backend candidates");
    }

    @Test
    void unknownOptionIsAUsageError() {
        CapturedRun run = CapturedRun.capture(() -> Main.run("ask", "--frobnicate", "x"));
        assertEquals(2, run.exitCode());
        assertEquals("vllava: error: Unknown option: '--frobnicate' (see vllava ask --help)\n", run.err());
    }
}
