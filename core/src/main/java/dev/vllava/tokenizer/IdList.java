package dev.vllava.tokenizer;

import java.util.Arrays;

/** A growable list of token ids without boxing. */
final class IdList {
    private int[] ids = new int[32];
    private int size;

    void add(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
    }

    void addAll(IdList other, int from) {
        for (int i = from; i < other.size; i++) {
            add(other.ids[i]);
        }
    }

    int get(int index) {
        return ids[index];
    }

    int size() {
        return size;
    }

    void removeFirst() {
        System.arraycopy(ids, 1, ids, 0, size - 1);
        size--;
    }

    int[] toArray() {
        return Arrays.copyOf(ids, size);
    }
}
