package dev.vllava.model;

import dev.vllava.VllavaException;
import dev.vllava.checkpoint.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Function;

/** A checkpoint's tensors by name (or any source of them, such as synthetic weights), under a prefix such as {@code video_tower.vision_model.}. */
final class CheckpointTensors {
    private final Function<String, TensorData> source;
    private final String prefix;

    CheckpointTensors(Function<String, TensorData> source, String prefix) {
        this.source = source;
        this.prefix = prefix;
    }

    CheckpointTensors under(String subPrefix) {
        return new CheckpointTensors(source, prefix + subPrefix);
    }

    TensorData get(String name) {
        TensorData data = source.apply(prefix + name);
        if (data == null) {
            throw VllavaException.checkpoint("checkpoint has no tensor %s%s", prefix, name);
        }
        return data;
    }

    /** The tensor, or null when the checkpoint lacks it (optional biases, tied heads). */
    TensorData optional(String name) {
        try {
            return source.apply(prefix + name);
        } catch (VllavaException missing) {
            return null;
        }
    }

    /**
     * 1-D tensors of one dtype joined end to end into a new host tensor (q/k/v biases, so that a
     * stacked projection adds its bias in the same matmul). Small: only biases go through here.
     */
    static TensorData concatenate(String name, List<TensorData> parts) {
        long bytes = 0;
        long elements = 0;
        for (TensorData part : parts) {
            bytes += part.data().byteSize();
            elements += part.elementCount();
        }
        MemorySegment joined = Arena.ofAuto().allocate(bytes, 8);
        long offset = 0;
        for (TensorData part : parts) {
            MemorySegment.copy(part.data(), 0, joined, offset, part.data().byteSize());
            offset += part.data().byteSize();
        }
        return new TensorData(name, parts.getFirst().dtype(), new long[] {elements}, joined);
    }
}
