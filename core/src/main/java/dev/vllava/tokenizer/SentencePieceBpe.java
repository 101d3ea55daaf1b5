package dev.vllava.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * sentencepiece's BPE model in Java ({@code SentencePieceProcessor.encode} / {@code decode} of sentencepiece 0.1.97,
 * the version the golden data was made with), for models whose normalizer is the identity (Llama's).
 *
 * <p>Encoding: normalize (optional removal of extra spaces, the dummy-prefix space, spaces as {@code ▁}), split
 * into characters (user-defined pieces stay whole), then repeatedly merge the adjacent pair whose concatenation
 * is the vocabulary piece with the highest score (leftmost on ties); pieces merged into UNUSED pieces are split
 * back; characters outside the vocabulary become their UTF-8 bytes {@code <0xXX>} (byte fallback) or unk.
 * Immutable and thread-safe.
 */
final class SentencePieceBpe {
    static final char SPACE_SYMBOL = '\u2581';

    private final SentencePieceModel model;
    private final String[] pieceText;
    private final float[] scores;
    private final int[] types;
    /** NORMAL, USER_DEFINED and UNUSED pieces: the ones merges may produce (sentencepiece's {@code pieces_}). */
    private final PieceTable mergeable;
    /** CONTROL, UNKNOWN and BYTE pieces (sentencepiece's {@code reserved_id_map_}). */
    private final Map<String, Integer> reserved = new HashMap<>();
    private final List<String> userDefined = new ArrayList<>();
    private final int[] byteIds = new int[256];
    private final int unkId;

    SentencePieceBpe(SentencePieceModel model) {
        this.model = model;
        int size = model.pieces().size();
        pieceText = new String[size];
        scores = new float[size];
        types = new int[size];
        mergeable = new PieceTable(size);
        java.util.Arrays.fill(byteIds, -1);
        int unk = -1;
        for (int id = 0; id < size; id++) {
            SentencePieceModel.Piece piece = model.pieces().get(id);
            pieceText[id] = piece.piece();
            scores[id] = piece.score();
            types[id] = piece.type();
            switch (piece.type()) {
                case SentencePieceModel.NORMAL, SentencePieceModel.UNUSED -> mergeable.putIfAbsent(piece.piece(), id);
                case SentencePieceModel.USER_DEFINED -> {
                    mergeable.putIfAbsent(piece.piece(), id);
                    userDefined.add(piece.piece());
                }
                default -> reserved.putIfAbsent(piece.piece(), id);
            }
            if (piece.type() == SentencePieceModel.UNKNOWN && unk < 0) {
                unk = id;
            }
            if (piece.type() == SentencePieceModel.BYTE) {
                int value = byteValue(piece.piece());
                if (value >= 0) {
                    byteIds[value] = id;
                }
            }
        }
        if (unk < 0) {
            throw new IllegalArgumentException("no unknown piece");
        }
        unkId = unk;
        userDefined.sort((a, b) -> b.length() - a.length());
    }

    int size() {
        return pieceText.length;
    }

    int unkId() {
        return unkId;
    }

    String piece(int id) {
        return pieceText[id];
    }

    int type(int id) {
        return types[id];
    }

    SentencePieceModel model() {
        return model;
    }

    /** sentencepiece's PieceToId: reserved pieces first, then normal ones, else unk. */
    int pieceToId(String piece) {
        int id = findPiece(piece);
        return id < 0 ? unkId : id;
    }

    /** The id of an exact piece, or -1. */
    int findPiece(String piece) {
        Integer id = reserved.get(piece);
        return id != null ? id : mergeable.find(piece);
    }

    // ---------------------------------------------------------------- encoding

    String normalize(String text) {
        String s = text;
        if (model.removeExtraWhitespaces()) {
            StringBuilder collapsed = new StringBuilder(s.length());
            boolean pendingSpace = false;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == ' ') {
                    pendingSpace = collapsed.length() > 0;
                } else {
                    if (pendingSpace) {
                        collapsed.append(' ');
                        pendingSpace = false;
                    }
                    collapsed.append(c);
                }
            }
            s = collapsed.toString();
        }
        if (s.isEmpty()) {
            return s;
        }
        if (model.addDummyPrefix()) {
            s = " " + s;
        }
        return model.escapeWhitespaces() ? s.replace(' ', SPACE_SYMBOL) : s;
    }

    /** Appends the ids of {@code text} (one sentencepiece {@code encode} call) to {@code out}. */
    void encode(String text, IdList out) {
        String s = normalize(text);
        if (s.isEmpty()) {
            return;
        }
        new Merger(s).run(out);
    }

    /** One encode: symbols as [start, end) ranges of the normalized string in a doubly linked list. */
    private final class Merger {
        private final String s;
        private final int[] start;
        private final int[] end;
        private final int[] prev;
        private final int[] next;
        private final boolean[] frozen;
        private final PairHeap agenda;
        private Map<String, String[]> reverseMerges;

        Merger(String s) {
            this.s = s;
            int capacity = s.length();
            start = new int[capacity];
            end = new int[capacity];
            prev = new int[capacity];
            next = new int[capacity];
            frozen = new boolean[capacity];
            agenda = new PairHeap(capacity);
            int n = 0;
            int i = 0;
            while (i < s.length()) {
                int length = userDefinedMatch(i);
                frozen[n] = length > 0;
                if (length == 0) {
                    length = Character.charCount(s.codePointAt(i));
                }
                start[n] = i;
                end[n] = i + length;
                prev[n] = n - 1;
                i += length;
                next[n] = i < s.length() ? n + 1 : -1;
                n++;
            }
            for (int k = 0; k + 1 < n; k++) {
                maybeAddPair(k, k + 1);
            }
        }

        private int userDefinedMatch(int at) {
            for (String piece : userDefined) {
                if (s.startsWith(piece, at)) {
                    return piece.length();
                }
            }
            return 0;
        }

        private void maybeAddPair(int left, int right) {
            if (left < 0 || right < 0 || frozen[left] || frozen[right]) {
                return;
            }
            int id = mergeable.find(s, start[left], end[right]);
            if (id < 0) {
                return;
            }
            agenda.push(scores[id], left, right, end[right] - start[left]);
            if (types[id] == SentencePieceModel.UNUSED) {
                if (reverseMerges == null) {
                    reverseMerges = new HashMap<>();
                }
                reverseMerges.put(s.substring(start[left], end[right]), new String[] {
                    s.substring(start[left], end[left]), s.substring(start[right], end[right])});
            }
        }

        void run(IdList out) {
            while (!agenda.isEmpty()) {
                int left = agenda.topLeft();
                int right = agenda.topRight();
                int size = agenda.topSize();
                agenda.pop();
                int leftLength = end[left] - start[left];
                int rightLength = end[right] - start[right];
                if (leftLength == 0 || rightLength == 0 || leftLength + rightLength != size) {
                    continue; // stale: one side was merged elsewhere since this pair was queued
                }
                end[left] = end[right];
                start[right] = end[right]; // empty = merged away
                next[left] = next[right];
                if (next[right] >= 0) {
                    prev[next[right]] = left;
                }
                maybeAddPair(prev[left], left);
                maybeAddPair(left, next[left]);
            }
            for (int k = 0; k >= 0; k = next[k]) {
                resegment(start[k], end[k], out);
            }
        }

        private void resegment(int from, int to, IdList out) {
            int id = mergeable.find(s, from, to);
            if (id < 0) {
                emitUnknown(s.substring(from, to), out);
                return;
            }
            if (types[id] == SentencePieceModel.UNUSED && reverseMerges != null) {
                String[] parts = reverseMerges.get(s.substring(from, to));
                if (parts != null) {
                    resegment(from, from + parts[0].length(), out);
                    resegment(from + parts[0].length(), to, out);
                    return;
                }
            }
            out.add(id);
        }

        private void emitUnknown(String piece, IdList out) {
            if (!model.byteFallback()) {
                out.add(unkId);
                return;
            }
            for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                int id = byteIds[b & 0xff];
                out.add(id >= 0 ? id : unkId);
            }
        }
    }

    /**
     * The merge agenda: a binary max-heap of candidate pairs without per-entry objects. Order: higher score first,
     * then the leftmost pair (sentencepiece's SymbolPairComparator).
     */
    private static final class PairHeap {
        private long[] keys;
        private int[] rights;
        private int[] sizes;
        private int count;

        PairHeap(int capacity) {
            int initial = Math.max(16, capacity);
            keys = new long[initial];
            rights = new int[initial];
            sizes = new int[initial];
        }

        boolean isEmpty() {
            return count == 0;
        }

        void push(float score, int left, int right, int size) {
            if (count == keys.length) {
                keys = java.util.Arrays.copyOf(keys, count * 2);
                rights = java.util.Arrays.copyOf(rights, count * 2);
                sizes = java.util.Arrays.copyOf(sizes, count * 2);
            }
            // High 32 bits: the score in an order-preserving int; low 32 bits: ~left, so smaller left wins ties.
            long key = (long) sortableScore(score) << 32 | (~left & 0xFFFFFFFFL);
            int i = count++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (keys[parent] >= key) {
                    break;
                }
                move(parent, i);
                i = parent;
            }
            keys[i] = key;
            rights[i] = right;
            sizes[i] = size;
        }

        int topLeft() {
            return ~(int) keys[0];
        }

        int topRight() {
            return rights[0];
        }

        int topSize() {
            return sizes[0];
        }

        void pop() {
            count--;
            long key = keys[count];
            int right = rights[count];
            int size = sizes[count];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= count) {
                    break;
                }
                if (child + 1 < count && keys[child + 1] > keys[child]) {
                    child++;
                }
                if (keys[child] <= key) {
                    break;
                }
                move(child, i);
                i = child;
            }
            keys[i] = key;
            rights[i] = right;
            sizes[i] = size;
        }

        private void move(int from, int to) {
            keys[to] = keys[from];
            rights[to] = rights[from];
            sizes[to] = sizes[from];
        }
    }

    /** Maps a float to an int whose natural order is the float's order (for the agenda). */
    private static int sortableScore(float score) {
        int bits = Float.floatToIntBits(score == 0f ? 0f : score); // -0.0 and 0.0 tie, as in C++
        return bits >= 0 ? bits : bits ^ 0x7fffffff;
    }

    // ---------------------------------------------------------------- decoding

    /**
     * sentencepiece 0.1.97 {@code DecodePieces}: control pieces vanish, {@code <unk>} shows its surface, a piece
     * that is not in the vocabulary shows as is, {@code ▁} becomes a space and the leading {@code ▁} of a piece is
     * dropped while the text is still empty; runs of byte pieces are decoded as UTF-8, each byte that does not
     * start a valid character becoming U+FFFD.
     */
    String decodePieces(List<String> pieces) {
        StringBuilder text = new StringBuilder();
        byte[] run = new byte[16];
        int runLength = 0;
        for (String piece : pieces) {
            int id = pieceToId(piece);
            if (types[id] == SentencePieceModel.BYTE) {
                if (runLength == run.length) {
                    run = java.util.Arrays.copyOf(run, run.length * 2);
                }
                run[runLength++] = (byte) byteValue(piece);
                continue;
            }
            appendUtf8Lenient(run, runLength, text);
            runLength = 0;
            if (types[id] == SentencePieceModel.CONTROL) {
                continue;
            }
            if (types[id] == SentencePieceModel.UNKNOWN) {
                text.append(pieceText[id].equals(piece) ? model.unkSurface() : piece);
                continue;
            }
            String surface = piece;
            if (text.isEmpty() && !surface.isEmpty() && surface.charAt(0) == SPACE_SYMBOL) {
                surface = surface.substring(1);
            }
            text.append(surface.replace(SPACE_SYMBOL, ' '));
        }
        appendUtf8Lenient(run, runLength, text);
        return text.toString();
    }

    /** {@code <0x0A>} -> 10; -1 if the text is not of that form. */
    static int byteValue(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        try {
            return Integer.parseInt(piece.substring(3, 5), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * UTF-8 decoding as sentencepiece's {@code IsValidDecodeUTF8}: at each offset either one complete, shortest-form,
     * non-surrogate character is consumed, or one byte becomes U+FFFD.
     */
    static void appendUtf8Lenient(byte[] bytes, int length, StringBuilder out) {
        int i = 0;
        while (i < length) {
            int b0 = bytes[i] & 0xff;
            int consumed = 1;
            int cp = -1;
            if (b0 < 0x80) {
                cp = b0;
            } else if ((b0 & 0xE0) == 0xC0 && i + 1 < length && trail(bytes[i + 1])) {
                int c = (b0 & 0x1F) << 6 | (bytes[i + 1] & 0x3F);
                if (c >= 0x80) {
                    cp = c;
                    consumed = 2;
                }
            } else if ((b0 & 0xF0) == 0xE0 && i + 2 < length && trail(bytes[i + 1]) && trail(bytes[i + 2])) {
                int c = (b0 & 0x0F) << 12 | (bytes[i + 1] & 0x3F) << 6 | (bytes[i + 2] & 0x3F);
                if (c >= 0x800 && validCodePoint(c)) {
                    cp = c;
                    consumed = 3;
                }
            } else if ((b0 & 0xF8) == 0xF0 && i + 3 < length && trail(bytes[i + 1]) && trail(bytes[i + 2])
                    && trail(bytes[i + 3])) {
                int c = (b0 & 0x07) << 18 | (bytes[i + 1] & 0x3F) << 12 | (bytes[i + 2] & 0x3F) << 6
                        | (bytes[i + 3] & 0x3F);
                if (c >= 0x10000 && validCodePoint(c)) {
                    cp = c;
                    consumed = 4;
                }
            }
            out.appendCodePoint(cp >= 0 ? cp : 0xFFFD);
            i += consumed;
        }
    }

    private static boolean trail(byte b) {
        return (b & 0xC0) == 0x80;
    }

    private static boolean validCodePoint(int c) {
        return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF);
    }
}
