package dev.vllava.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.TerminalBuilder;

/**
 * chat's prompt on a terminal, through JLine: line editing, history (up-arrow) for this session, the
 * prompt on stderr (stdout carries only answers, even at a terminal). Ctrl-C at the prompt discards
 * the line being typed; on an empty line it says how to quit, and a second one quits (exit 130).
 * While an answer is written, Ctrl-C stops it ({@link AnswerInterrupts}) and keys typed ahead are not
 * echoed into the answer: they wait, and the next prompt shows them. Ctrl-D on an empty line ends the chat.
 */
final class LineEditor implements ChatInput {
    private final org.jline.terminal.Terminal terminal;
    private final LineReader reader;
    private final AnswerInterrupts interrupts = new AnswerInterrupts();
    private boolean quitHintShown;

    private LineEditor(org.jline.terminal.Terminal terminal) {
        this.terminal = terminal;
        this.reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("vllava")
                // a question is text, not a shell command: no !-history expansion, quotes and backslashes as typed
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .variable(LineReader.DISABLE_COMPLETION, true)
                .build();
        // Between prompts the terminal is in its normal mode and Ctrl-C is a signal; during readLine
        // JLine reads it as a key (UserInterruptException) and puts this handler back afterwards.
        terminal.handle(org.jline.terminal.Terminal.Signal.INT, signal -> interrupts.interrupt());
        // Keys typed while an answer is written must not be echoed into it: they wait in the terminal's
        // buffer and the next prompt shows them. readLine echoes by itself and puts this mode back after
        // each line, so there is no moment between two lines when the terminal echoes.
        terminal.echo(false);
    }

    /** The editor on the system terminal, or null when none can be opened (the caller reads plain lines). */
    static LineEditor open() {
        try {
            return new LineEditor(TerminalBuilder.builder()
                    .system(true)
                    .systemOutput(TerminalBuilder.SystemOutput.SysErr)
                    .dumb(false)
                    .build());
        } catch (IOException | IllegalStateException | UnsupportedOperationException e) {
            return null;
        }
    }

    @Override
    public String readLine(String prompt) {
        while (true) {
            try {
                String line = reader.readLine(prompt);
                quitHintShown = false;
                return line;
            } catch (EndOfFileException e) {
                return null;
            } catch (UserInterruptException e) {
                if (!e.getPartialLine().isEmpty()) {
                    quitHintShown = false; // the line is dropped, a fresh prompt follows
                } else if (quitHintShown) {
                    AnswerInterrupts.quit();
                } else {
                    System.err.println("(Ctrl-C again to quit, or Ctrl-D, or /exit)");
                    quitHintShown = true;
                }
            }
        }
    }

    @Override
    public void answerStarts() {
        interrupts.answerStarts();
    }

    @Override
    public boolean stopRequested() {
        return interrupts.stopRequested();
    }

    @Override
    public void answerEnds() {
        interrupts.answerEnds();
        if (interrupts.stopRequested()) {
            System.err.println("(stopped; Ctrl-C again quits)");
            quitHintShown = true;
        }
    }

    @Override
    public boolean interactive() {
        return true;
    }

    @Override
    public void close() {
        try {
            terminal.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
