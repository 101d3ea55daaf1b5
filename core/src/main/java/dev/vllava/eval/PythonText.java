package dev.vllava.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * The few Python {@code str} operations the official scorers are built on, with Python's notion of
 * whitespace ({@code str.isspace}: the ASCII controls \t \n \u000b \f \r and \x1c-\x1f, \x85, and every
 * Unicode space or line/paragraph separator, the no-break spaces included), which differs from both
 * {@link Character#isWhitespace} and {@link String#strip}. Scoring the same predictions as the official
 * scripts needs the same token boundaries.
 */
final class PythonText {
    private PythonText() {}

    static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }

    /** {@code text.split()}: runs of whitespace separate, no empty tokens. */
    static List<String> split(String text) {
        List<String> tokens = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < text.length(); i++) {
            if (isSpace(text.charAt(i))) {
                if (start >= 0) {
                    tokens.add(text.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
        }
        if (start >= 0) {
            tokens.add(text.substring(start));
        }
        return tokens;
    }

    /** {@code text.strip()}. */
    static String strip(String text) {
        int begin = 0;
        int end = text.length();
        while (begin < end && isSpace(text.charAt(begin))) {
            begin++;
        }
        while (end > begin && isSpace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(begin, end);
    }

    /** {@code len(text)}: code points, not UTF-16 units. */
    static int length(String text) {
        return text.codePointCount(0, text.length());
    }
}
