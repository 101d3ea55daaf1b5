package dev.vllava.checkpoint;

import dev.vllava.VllavaException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Load-time check that the small, decisive tensors hold no NaN or infinity: every norm weight and bias,
 * every bias, the embeddings (token, patch, position, class) and the projector. A non-finite value
 * there spreads to every hidden state and the model answers nonsense with exit 0; here it is exit 4
 * naming the tensor and element. The large matrices are left to the per-step logits check
 * ({@code generate.NonFiniteLogits}): scanning them would read the whole checkpoint at every start.
 * The check reads the raw bits (an all-ones exponent), so it costs one pass over these tensors' bytes.
 */
public final class FiniteWeights {
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt FLOAT = ValueLayout.JAVA_INT_UNALIGNED;

    private FiniteWeights() {}

    /** Throws a checkpoint error for the first checked tensor with a non-finite element. */
    public static void check(Checkpoint checkpoint) {
        for (TensorData tensor : checkpoint.tensors()) {
            if (isChecked(tensor.name())) {
                long bad = firstNonFinite(tensor.dtype(), tensor.data(), tensor.elementCount());
                if (bad >= 0) {
                    throw VllavaException.checkpoint("tensor %s holds a NaN or infinite value (element %d of %d): the checkpoint is damaged",
                            tensor.name(), bad, tensor.elementCount());
                }
            }
        }
    }

    /** Norms, biases, embeddings and the projector (see the class comment for why these). */
    static boolean isChecked(String name) {
        return name.contains("norm") || name.endsWith(".bias") || name.contains("embed")
                || name.contains("multi_modal_projector");
    }

    /** The index of the first NaN or infinity, or -1. */
    static long firstNonFinite(DType dtype, MemorySegment data, long count) {
        switch (dtype) {
            case F32 -> {
                for (long i = 0; i < count; i++) {
                    if ((data.get(FLOAT, 4 * i) & 0x7f80_0000) == 0x7f80_0000) {
                        return i;
                    }
                }
            }
            case F16, BF16 -> {
                int exponent = dtype == DType.F16 ? 0x7c00 : 0x7f80;
                for (long i = 0; i < count; i++) {
                    if ((data.get(HALF, 2 * i) & exponent) == exponent) {
                        return i;
                    }
                }
            }
        }
        return -1;
    }
}
