package dev.vllava.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import me.tongfei.progressbar.ProgressBarConsumer;

/**
 * The one line of a terminal's stderr where progress is drawn: written with a carriage return and erased
 * with "erase to end of line", so it never moves the cursor up and never touches a line it did not write
 * (an earlier command's output, the JVM's warnings, the user's question in chat). Text that others write
 * to {@link System#err} meanwhile (a warning, an error) is printed above it: the line is erased, the text
 * written, and the status drawn again below once that text has ended its line. The line is erased when
 * the JVM exits, so Ctrl-C in the middle of a bar leaves the shell prompt on a clean line.
 *
 * <p>Draw only at the start of an empty line: vllava draws it before any answer and, in chat, after the
 * user's Enter. stdout is not watched: whoever starts an answer there {@link #hide}s the status first.
 */
final class StatusLine {
    private static final String ERASE = "\r\033[K";
    private static StatusLine stderr;

    private final PrintStream terminal;
    private final int fd;
    private String status;
    private boolean drawn;
    /** Other text was written to stderr since its last newline: drawing now would overwrite it. */
    private boolean lineOpen;
    private boolean exiting;

    StatusLine(PrintStream terminal, int fd) {
        this.terminal = terminal;
        this.fd = fd;
    }

    /** The status line of stderr, which from now on carries everyone else's stderr text above it. */
    static synchronized StatusLine onStderr() {
        if (stderr == null) {
            StatusLine line = new StatusLine(System.err, Terminal.STDERR);
            System.setErr(line.above());
            Runtime.getRuntime().addShutdownHook(new Thread(line::exit, "vllava-status-line"));
            stderr = line;
        }
        return stderr;
    }

    /** A stream for everyone else's text, printed above the status. */
    PrintStream above() {
        return new PrintStream(new Above(), true, StandardCharsets.UTF_8);
    }

    /** Columns a status may use: one less than the terminal's width, so the cursor never wraps to a new line. */
    int width() {
        return Terminal.columns(fd) - 1;
    }

    synchronized void show(String text) {
        status = text;
        draw();
    }

    /** Erases the status; the cursor is back at the start of the (now empty) line. */
    synchronized void hide() {
        status = null;
        erase();
    }

    /** Leaves the status on the screen as an ordinary line (a finished bar that is worth keeping). */
    synchronized void keep() {
        if (drawn) {
            terminal.print('\n');
            terminal.flush();
            drawn = false;
        }
        status = null;
    }

    private void draw() {
        if (status == null || lineOpen || exiting) {
            return;
        }
        terminal.print("\r" + fit(status, width()) + "\033[K");
        terminal.flush();
        drawn = true;
    }

    private void erase() {
        if (drawn) {
            terminal.print(ERASE);
            terminal.flush();
            drawn = false;
        }
    }

    private synchronized void exit() {
        erase();
        exiting = true;
    }

    /** Where a progress bar of the progressbar library draws: this line (closing the bar keeps or hides it; the bar's owner decides). */
    ProgressBarConsumer barConsumer() {
        return new ProgressBarConsumer() {
            @Override
            public int getMaxRenderedLength() {
                return width();
            }

            @Override
            public void accept(String rendered) {
                show(rendered);
            }

            @Override
            public void clear() {
                hide();
            }

            @Override
            public void close() {}
        };
    }

    /**
     * {@code text} cut to {@code width} visible characters. Escape sequences (the bar's colours) take no
     * room and are all kept, so a cut never leaves half a sequence or the terminal in a colour.
     */
    static String fit(String text, int width) {
        StringBuilder fitted = new StringBuilder(text.length());
        int visible = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\033') {
                int end = sequenceEnd(text, i);
                fitted.append(text, i, end);
                i = end - 1;
            } else if (visible < width) {
                fitted.append(c);
                visible++;
            }
        }
        return fitted.toString();
    }

    /** Where the escape sequence at {@code start} ends (exclusive): a CSI {@code ESC [ ... final byte}, else ESC and one character. */
    private static int sequenceEnd(String text, int start) {
        int i = start + 1;
        if (i < text.length() && text.charAt(i) == '[') {
            i++;
            while (i < text.length() && (text.charAt(i) < '@' || text.charAt(i) > '~')) {
                i++;
            }
        }
        return Math.min(i + 1, text.length());
    }

    /** stderr for everyone else: the status steps out of the way of each write. */
    private final class Above extends OutputStream {
        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            if (length == 0) {
                return;
            }
            synchronized (StatusLine.this) {
                erase();
                terminal.write(bytes, offset, length);
                lineOpen = bytes[offset + length - 1] != '\n';
                draw();
                terminal.flush();
            }
        }

        @Override
        public void flush() throws IOException {
            terminal.flush();
        }
    }
}
