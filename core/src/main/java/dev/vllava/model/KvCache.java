package dev.vllava.model;

import dev.vllava.VllavaException;
import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Tensor;

/**
 * One sequence's keys and values for every decoder layer, for the tokens seen so far (keys after
 * RoPE, rotated as they are stored). The storage is a {@link KvStorage}: one contiguous tensor per layer allocated for the whole
 * context, or blocks taken as tokens arrive whose prefix several sequences share ({@link #fork}); the
 * forward pass sees only {@link #store} and {@link #attend}. {@link #truncate} forgets the last tokens (e.g. to rewind a chat turn) without
 * freeing anything.
 */
public final class KvCache implements AutoCloseable {
    private final KvStorage storage;
    private int length;

    KvCache(KvStorage storage) {
        this.storage = storage;
    }

    /** Tokens held. */
    public int length() {
        return length;
    }

    /** The context length: most tokens it can hold. */
    public int capacity() {
        return storage.capacity();
    }

    public int remaining() {
        return capacity() - length;
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

    /** Checks that {@code tokens} more fit, before any layer writes them. */
    void requireRoom(int tokens) {
        if (tokens > remaining()) {
            throw VllavaException.contextOverflow("%d more tokens do not fit in the context of %d tokens (%d already used)",
                    tokens, capacity(), length);
        }
    }

    /**
     * Another sequence that starts with this one's tokens and may hold {@code capacity} in all: on a paged
     * cache it shares the held blocks (memory for the prefix once), on a contiguous one it copies them.
     * Either cache may then go on without changing the other.
     */
    public KvCache fork(int capacity) {
        if (capacity < length) {
            throw new IllegalArgumentException("a fork of " + length + " tokens cannot hold only " + capacity);
        }
        KvCache fork = new KvCache(storage.share(length, capacity));
        fork.length = length;
        return fork;
    }

    /**
     * Stores the step's keys of {@code layer}, rotated as they are written (RoPE fused with the write; {@code keys}
     * is scratch afterwards), and its values, after the tokens held.
     */
    void store(int layer, Tensor keys, Tensor values, KeyRotation rotation) {
        storage.write(layer, length, keys, values, rotation);
    }

    /** Causal attention of the step's {@code queries} over the held tokens and the step's own (already {@link #store}d). */
    void attend(int layer, Tensor out, Tensor queries, AttentionShape heads) {
        AttentionShape shape = AttentionShape.causal(heads.heads(), heads.kvHeads(), heads.headDim(), length);
        storage.attend(layer, out, queries, length + queries.rows(), shape);
    }

    /** Makes the step's tokens part of the history, once every layer has stored them. */
    void advance(int tokens) {
        length += tokens;
    }

    @Override
    public void close() {
        storage.close();
    }
}
