package dev.vllava.tokenizer;

import java.util.Arrays;

/**
 * The merge agenda: a binary max-heap of candidate pairs without per-entry objects. Order: higher score first,
 * then the leftmost pair (sentencepiece's SymbolPairComparator).
 */
final class PairHeap {
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
            keys = Arrays.copyOf(keys, count * 2);
            rights = Arrays.copyOf(rights, count * 2);
            sizes = Arrays.copyOf(sizes, count * 2);
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

    /** Maps a float to an int whose natural order is the float's order (for the agenda). */
    private static int sortableScore(float score) {
        int bits = Float.floatToIntBits(score == 0f ? 0f : score); // -0.0 and 0.0 tie, as in C++
        return bits >= 0 ? bits : bits ^ 0x7fffffff;
    }
}
