package dev.vllava.model;

/**
 * The rotary embedding of the keys a {@link KvCache} stores: the keys arrive unrotated and are rotated as
 * they are written ({@code Engine.ropeInto}, RoPE fused with the cache write), each row at its position in
 * the sequence.
 */
record KeyRotation(int kvHeads, int headDim, double theta) {}
