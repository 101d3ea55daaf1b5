package dev.vllava.cli;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.io.BoundedInput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A text given as {@code -}: read whole from stdin, at most {@link #MAX_BYTES} (a prompt must fit the
 * model's context of a few thousand tokens anyway), and refused when stdin is closed or holds only
 * blanks: an empty question is a usage error, not something to answer.
 */
final class StdinText {
    static final long MAX_BYTES = BoundedInput.MIB;
    private static final Path STDIN = Path.of("/proc/self/fd/0");

    private StdinText() {}

    /** Reads {@code what} (e.g. "question") from {@code in}, the process's stdin. */
    static String read(InputStream in, String what) {
        requireOpen(what);
        String text;
        try {
            text = new String(new BoundedInput(Failure.USAGE, what + " on stdin", MAX_BYTES).read(in, "stdin"),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw VllavaException.usage("stdin: cannot read the %s (%s)", what, BoundedInput.problem(e));
        }
        return requireText(text.stripTrailing(), what + " on stdin");
    }

    /** A usage error when the process was started with stdin closed. */
    static void requireOpen(String what) {
        if (closed()) {
            throw VllavaException.usage("stdin is closed: give the %s as an argument or pipe it in", what);
        }
    }

    /** {@code text} unless it is empty or only blanks, which is a usage error naming {@code what}. */
    static String requireText(String text, String what) {
        if (text.isBlank()) {
            throw VllavaException.usage("the %s is empty", what);
        }
        return text;
    }

    /**
     * Whether the process was started with stdin closed ({@code <&-}). The JVM then opens its own files
     * on the free descriptor 0 (its {@code lib/modules} first), which would be read as the question; so
     * a descriptor 0 that is a file of the Java runtime means no stdin was given.
     */
    private static boolean closed() {
        try {
            Path target = Files.readSymbolicLink(STDIN);
            return target.startsWith(Path.of(System.getProperty("java.home")).toRealPath());
        } catch (IOException | UnsupportedOperationException e) {
            return false; // no /proc: read stdin as it is
        }
    }
}
