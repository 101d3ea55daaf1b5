package dev.vllava.tokenizer;

import java.util.Arrays;

/**
 * Piece text -> id, looked up by a range of a string without creating a substring (the BPE inner loop asks for
 * every adjacent pair). Open addressing with linear probing; the hash is String.hashCode's, computed over the range.
 */
final class PieceTable {
    private final String[] keys;
    private final int[] ids;
    private final int mask;

    PieceTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2) - 1) << 1;
        keys = new String[capacity];
        ids = new int[capacity];
        Arrays.fill(ids, -1);
        mask = capacity - 1;
    }

    /** Adds {@code piece} unless present (the first id wins, as in sentencepiece). */
    void putIfAbsent(String piece, int id) {
        int slot = spread(piece.hashCode()) & mask;
        while (keys[slot] != null) {
            if (keys[slot].equals(piece)) {
                return;
            }
            slot = (slot + 1) & mask;
        }
        keys[slot] = piece;
        ids[slot] = id;
    }

    /** The id of {@code text[from, to)}, or -1. */
    int find(String text, int from, int to) {
        int hash = 0;
        for (int i = from; i < to; i++) {
            hash = 31 * hash + text.charAt(i);
        }
        int length = to - from;
        int slot = spread(hash) & mask;
        String key;
        while ((key = keys[slot]) != null) {
            if (key.length() == length && key.regionMatches(0, text, from, length)) {
                return ids[slot];
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    int find(String piece) {
        return find(piece, 0, piece.length());
    }

    private static int spread(int hash) {
        return hash ^ (hash >>> 16);
    }
}
