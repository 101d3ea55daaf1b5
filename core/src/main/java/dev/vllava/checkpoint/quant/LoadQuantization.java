package dev.vllava.checkpoint.quant;

import dev.vllava.checkpoint.TensorData;
import java.lang.foreign.Arena;

/**
 * {@code --weights q8|q4}: quantize a stored checkpoint while loading it, in memory, for trying a
 * format without writing one ({@code vllava quantize} writes it). Weights already quantized, and
 * weights that are not targets, pass through unchanged; so does a target whose input width the
 * group size does not divide (it then stays exact rather than failing the load).
 */
public record LoadQuantization(QuantScheme scheme, QuantTargets targets) {

    /** {@code weight} as the engine should hold it; quantized codes are allocated in {@code arena}. */
    public TensorData apply(TensorData weight, Arena arena) {
        if (weight.isQuantized() || !quantizes(weight.name(), weight.shape())) {
            return weight;
        }
        return Quantizer.quantize(weight, scheme, arena);
    }

    /** Whether a plain weight of this name and shape is quantized: a 2-D target whose columns the group divides. */
    public boolean quantizes(String name, long[] shape) {
        return shape.length == 2 && targets.quantizes(name) && shape[1] % scheme.groupSize() == 0;
    }
}
