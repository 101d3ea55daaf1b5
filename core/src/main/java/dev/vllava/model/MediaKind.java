package dev.vllava.model;

/** Which kind of medium an input is, and so which placeholder it fills and which tower encodes it: {@code <image>} or {@code <video>}. */
public enum MediaKind {
    IMAGE,
    VIDEO
}
