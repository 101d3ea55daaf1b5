package dev.vllava.checkpoint;

import java.util.Optional;

/** Element types vllava reads from safetensors files; the names are the safetensors header names. */
public enum DType {
    F32(4),
    F16(2),
    BF16(2);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    /** The dtype for a safetensors header name, or empty for one vllava does not compute with. */
    public static Optional<DType> fromSafetensors(String name) {
        for (DType type : values()) {
            if (type.name().equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
