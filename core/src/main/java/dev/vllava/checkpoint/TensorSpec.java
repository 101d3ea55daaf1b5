package dev.vllava.checkpoint;

import java.util.Arrays;

/** A tensor a Video-LLaVA checkpoint must contain: its name, its shape, and the part of the model it belongs to. */
public record TensorSpec(String name, long[] shape, ModelPart part) {

    public long elementCount() {
        long count = 1;
        for (long dim : shape) {
            count *= dim;
        }
        return count;
    }

    public boolean matches(long[] actual) {
        return Arrays.equals(shape, actual);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
