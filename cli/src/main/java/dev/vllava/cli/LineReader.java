package dev.vllava.cli;

import dev.vllava.VllavaException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;

/**
 * Lines of stdin, each at most {@code maxChars} long: {@link BufferedReader#readLine} would gather an
 * endless line ({@code /dev/zero}, a binary file) until the heap is gone; here it is a usage error.
 * Line ends are {@code \n} or {@code \r\n}.
 */
final class LineReader {
    /** A line that holds a prompt: 1 Mi characters is far beyond any context, and bounds {@code /dev/zero}. */
    static final int PROMPT_LINE_CHARS = 1 << 20;

    private final Reader in;
    private final int maxChars;

    LineReader(Reader in, int maxChars) {
        this.in = new BufferedReader(in);
        this.maxChars = maxChars;
    }

    /** The next line without its end, or null at the end of input; {@code number} names it in the error. */
    String readLine(int number) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (line.length() == maxChars) {
                throw VllavaException.usage("input line %d: longer than %d characters", number, maxChars);
            }
            line.append((char) c);
        }
        if (c < 0 && line.isEmpty()) {
            return null;
        }
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
    }
}
