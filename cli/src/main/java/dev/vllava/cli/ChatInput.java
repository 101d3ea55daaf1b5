package dev.vllava.cli;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Where chat's questions come from: a {@link LineEditor} when the user sits at a terminal, else lines of
 * stdin as they are (a script, a pipe, a file), with a prompt on stderr only if stdin is a terminal.
 */
interface ChatInput extends AutoCloseable {

    /** The next line, or null at the end of input (Ctrl-D, end of the pipe, or the user quit). */
    String readLine(String prompt);

    /** An answer is being generated from now on: a Ctrl-C may ask it to stop ({@link #stopRequested}). */
    void answerStarts();

    /** Whether the user asked the current answer to stop. */
    boolean stopRequested();

    void answerEnds();

    /** Whether a person is typing (prompts and confirmations are shown on stderr). */
    boolean interactive();

    @Override
    void close();

    /** The line editor when stdin and stderr are both capable terminals and it starts, else plain lines. */
    static ChatInput open() {
        if (Terminal.isCapable(Terminal.STDIN) && Terminal.isCapable(Terminal.STDERR)) {
            ChatInput editor = LineEditor.open();
            if (editor != null) {
                return editor;
            }
        }
        return new Plain(Terminal.isTerminal(Terminal.STDIN));
    }

    /**
     * stdin read line by line, each at most {@link LineReader#PROMPT_LINE_CHARS} (a longer one is a usage
     * error); Ctrl-C keeps its default meaning (exit 130), so no answer is ever asked to stop.
     */
    final class Plain implements ChatInput {
        private final LineReader in = new LineReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), LineReader.PROMPT_LINE_CHARS);
        private final boolean interactive;
        private int lines;

        Plain(boolean interactive) {
            this.interactive = interactive;
        }

        @Override
        public String readLine(String prompt) {
            if (interactive) {
                System.err.print(prompt);
                System.err.flush();
            }
            try {
                return in.readLine(++lines);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read stdin", e);
            }
        }

        @Override
        public void answerStarts() {}

        @Override
        public boolean stopRequested() {
            return false;
        }

        @Override
        public void answerEnds() {}

        @Override
        public boolean interactive() {
            return interactive;
        }

        @Override
        public void close() {}
    }
}
