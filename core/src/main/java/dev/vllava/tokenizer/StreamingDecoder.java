package dev.vllava.tokenizer;

import java.util.Arrays;

/**
 * Incremental detokenization of one generated sequence: {@link #accept(int)} returns the text that the new token
 * adds, so that printing every return value (and {@link #flush()} at the end) prints exactly
 * {@code decode(allIds, skipSpecialTokens = true)}.
 *
 * <p>Why this is exact: in the Llama decoders the text of a token depends only on (a) whether anything was printed
 * before it (the leading {@code ▁} of the very first piece is dropped) and (b) the run of byte-fallback pieces it
 * belongs to ({@code <0xE2><0x96><0x81>} is one character; an invalid run becomes U+FFFD). So text is held back
 * while the last token is a byte piece, and everything up to the last non-byte token is final. Decoding restarts
 * from a window that begins at the last token whose own text is non-empty (so the "first piece" rule cannot
 * reach past it); the new text is the difference between the window's decoding before and after the token.
 * With {@code clean_up_tokenization_spaces} the text after the last space is held back too, since " ." may still
 * become ".".
 *
 * <p>Not thread-safe: one decoder per generation.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private int[] ids = new int[64];
    private int size;
    /** First id of the decoding window. */
    private int windowStart;
    /** Characters of {@code decode(ids[windowStart..size))} already returned. */
    private int emitted;

    StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one generated id; returns the text to print now (maybe empty, never half a character). */
    public String accept(int id) {
        tokenizer.checkIds(new int[] {id});
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
        if (tokenizer.isBytePiece(id)) {
            return ""; // may be the first byte of a multi-byte character
        }
        String text = windowText();
        int stable = text.length();
        if (tokenizer.cleansUpSpaces()) {
            stable = Math.max(emitted, text.lastIndexOf(' '));
        }
        String out = stable > emitted ? text.substring(emitted, stable) : "";
        emitted = Math.max(emitted, stable);
        if (!tokenizer.cleansUpSpaces()) {
            moveWindowToLastToken();
        }
        return out;
    }

    /** The text still held back (an unfinished byte run, a space before possible punctuation); call at the end. */
    public String flush() {
        String text = windowText();
        String out = text.length() > emitted ? text.substring(emitted) : "";
        emitted = text.length();
        return out;
    }

    private String windowText() {
        return tokenizer.decode(Arrays.copyOfRange(ids, windowStart, size), true);
    }

    private void moveWindowToLastToken() {
        int last = size - 1;
        if (last <= windowStart) {
            return;
        }
        String own = tokenizer.decode(new int[] {ids[last]}, true);
        if (!own.isEmpty()) {
            windowStart = last;
            emitted = own.length();
        }
    }
}
