package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real terminal for tests: a detached tmux session of a fixed size running a plain bash, on a tmux
 * server of its own (so a developer's sessions are never touched). Keys go in with {@code send-keys};
 * what a user would see comes back with {@code capture-pane}: the scrollback and the window, wrapped lines
 * joined, escape sequences already interpreted (so any left in the text are debris).
 */
final class TmuxScreen implements AutoCloseable {
    private static final AtomicInteger SERVERS = new AtomicInteger();
    private final String socket = "vllava-test-" + ProcessHandle.current().pid() + "-" + SERVERS.incrementAndGet();

    private TmuxScreen(int columns, int rows) {
        tmux("-f", "/dev/null", "new-session", "-d", "-s", "test", "-x", Integer.toString(columns), "-y", Integer.toString(rows),
                "-c", CliProcess.HOME.toString(), "env", "-u", "VLLAVA_MODEL", "PS1=$ ", "bash", "--norc", "--noprofile");
    }

    static TmuxScreen open(int columns, int rows) {
        try {
            Process probe = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start();
            if (probe.waitFor() != 0) {
                fail("tmux -V failed");
            }
        } catch (IOException e) {
            fail("tmux is missing: the terminal tests need it ('make test' installs it; or apt-get install tmux)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return new TmuxScreen(columns, rows);
    }

    /** Types {@code text} literally and presses Enter. */
    void typeLine(String text) {
        tmux("send-keys", "-t", "test", "-l", text);
        tmux("send-keys", "-t", "test", "Enter");
    }

    /** Presses keys by tmux's names ({@code C-c}, {@code Up}, ...). */
    void press(String... keys) {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", "test"));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
    }

    /** The whole transcript: scrollback and window, wrapped lines joined, trailing blank lines dropped. */
    String text() {
        return tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "test").stripTrailing();
    }

    /** Polls the transcript until {@code done} holds; fails with the transcript after {@code timeout}. */
    String await(Predicate<String> done, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text = text();
            if (done.test(text)) {
                return text;
            }
            if (System.nanoTime() > deadline) {
                fail("the screen did not show " + what + " within " + timeout.toSeconds() + " s; it shows:\n" + text);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** A shell word that bash reads back as {@code word}. */
    static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private String tmux(String... args) {
        List<String> command = new ArrayList<>(List.of("tmux", "-L", socket));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                fail(String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        tmux("kill-server");
    }
}
