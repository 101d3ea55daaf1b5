package dev.vllava.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a standard stream is a terminal. {@link System#console()} answers for stdin and stdout
 * together, but progress bars care about stderr alone ({@code vllava ask ... > answer.txt} still
 * shows progress) and chat prompts about stdin alone, so each descriptor is checked on its own
 * through {@code /proc/self/fd} (Linux, the platform vllava ships for).
 */
final class Terminal {
    static final int STDIN = 0;
    static final int STDERR = 2;

    private Terminal() {}

    static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            Console console = System.console();
            return console != null && console.isTerminal();
        }
    }
}
