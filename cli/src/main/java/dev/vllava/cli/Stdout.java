package dev.vllava.cli;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * The process's stdout, where a failed write ends the command instead of being swallowed (a plain
 * {@link PrintStream} only sets a flag nobody reads, so {@code ask > /dev/full} lost its answer and
 * {@code ask | head -c 1} generated on for seconds). {@link #install} makes {@code System.out} this stream,
 * so every writer of results (ask, chat, eval, tokenize, frames, picocli's help) inherits it: the write
 * throws a {@link VllavaException}, which unwinds generation at once. A reader gone (EPIPE) is
 * {@link Failure#BROKEN_PIPE}: exit 141 and no message, as a shell reports a tool ended by SIGPIPE; any
 * other failure is {@link Failure#OUTPUT}, one line and exit 7.
 */
final class Stdout {
    private Stdout() {}

    /** The first failed write, or null; the writers picocli prints help and --version with only record it. */
    private static volatile VllavaException failure;

    /** Replaces System.out (same charset) with the checked stdout. Called once, by {@link Main#main}. */
    static void install() {
        OutputStream checked = new Checked(new FileOutputStream(FileDescriptor.out));
        System.setOut(new PrintStream(new BufferedOutputStream(checked, 1 << 13), true, System.out.charset()));
    }

    /** The first failed stdout write of this process, or null. */
    static VllavaException failure() {
        return failure;
    }

    /**
     * A writer over System.out for picocli's help and version text: picocli prints a stack trace for an
     * exception thrown there, so a failed write is only recorded ({@link #failure}) for Main to report.
     */
    static PrintWriter forPicocli() {
        OutputStream recording = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                try {
                    System.out.write(bytes, offset, length);
                    System.out.flush();
                } catch (VllavaException e) {
                    // recorded by Checked; Main reports it once picocli returns
                }
            }
        };
        return new PrintWriter(new OutputStreamWriter(recording, System.out.charset()), true);
    }

    /** Turns the IOException of a write into the unchecked error that PrintStream lets through. */
    private static final class Checked extends OutputStream {
        private final OutputStream out;
        /** After the first failure, later writes (the final flush of what is still buffered) are dropped: reported once. */
        private boolean failed;

        Checked(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            if (failed) {
                return;
            }
            try {
                out.write(bytes, offset, length);
            } catch (IOException e) {
                failed = true;
                failure = failure(e);
                throw failure;
            }
        }

        private static VllavaException failure(IOException e) {
            String reason = String.valueOf(e.getMessage());
            if (reason.contains("Broken pipe")) {
                return new VllavaException(Failure.BROKEN_PIPE, "stdout: the reader went away", e);
            }
            return new VllavaException(Failure.OUTPUT, "cannot write to stdout (" + reason + ")", e);
        }
    }
}
