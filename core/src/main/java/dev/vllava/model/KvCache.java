package dev.vllava.model;

import dev.vllava.VllavaException;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Keys and values of every decoder layer for the tokens seen so far, {@code [capacity, kvHeads·headDim]}
 * per layer, allocated once for the whole context. Keys are stored after RoPE. {@link #truncate}
 * forgets the last tokens (e.g. to rewind a chat turn) without freeing anything.
 */
public final class KvCache implements AutoCloseable {
    private final List<Tensor> keys = new ArrayList<>();
    private final List<Tensor> values = new ArrayList<>();
    private final int capacity;
    private int length;

    KvCache(Engine engine, int layers, int capacity, int kvColumns) {
        if (capacity <= 0) {
            throw VllavaException.usage("context length must be positive, got %d", capacity);
        }
        this.capacity = capacity;
        for (int i = 0; i < layers; i++) {
            keys.add(engine.allocate(capacity, kvColumns));
            values.add(engine.allocate(capacity, kvColumns));
        }
    }

    /** Tokens held. */
    public int length() {
        return length;
    }

    /** The context length: most tokens it can hold. */
    public int capacity() {
        return capacity;
    }

    public int remaining() {
        return capacity - length;
    }

    public void reset() {
        length = 0;
    }

    /** Keeps the first {@code newLength} tokens. */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate a cache of " + length + " tokens to " + newLength);
        }
        length = newLength;
    }

    Tensor keys(int layer) {
        return keys.get(layer);
    }

    Tensor values(int layer) {
        return values.get(layer);
    }

    /** Checks that {@code tokens} more fit, before any layer writes them. */
    void requireRoom(int tokens) {
        if (tokens > remaining()) {
            throw VllavaException.contextOverflow("%d more tokens do not fit in the context of %d tokens (%d already used)",
                    tokens, capacity, length);
        }
    }

    void advance(int tokens) {
        length += tokens;
    }

    @Override
    public void close() {
        keys.forEach(Tensor::close);
        values.forEach(Tensor::close);
        keys.clear();
        values.clear();
    }
}
