package dev.vllava.bench;

import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.TensorSpec;
import dev.vllava.checkpoint.quant.LoadQuantization;
import dev.vllava.checkpoint.quant.QuantScheme;
import dev.vllava.checkpoint.quant.QuantizedLayout;
import dev.vllava.checkpoint.quant.Quantizer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code bench --synthetic P --weights q8|q4}: the tensors of the checkpoint that {@code vllava quantize}
 * would write from {@link SyntheticWeights}: the quantization's targets as codes and scales, equal byte
 * for byte to {@link Quantizer#quantize} of the plain tensor, and every other tensor plain. The engine
 * places them as it places a quantized checkpoint's, so the bench holds what such a checkpoint costs,
 * never the 13 GB of F16 layers behind it.
 *
 * <p>The plain layers are never made. SyntheticWeights tiles every tensor from one block of values at a
 * per-tensor offset, and a group of the quantized tensor, never crossing a row, is a run of the block
 * (the block's length is a multiple of the group); a group's codes and scale depend on its values alone.
 * So the block is quantized once, cyclically from each group phase that an offset needs (the offset's
 * remainder modulo the group), and each tensor's codes and scales are that quantized block tiled from the
 * tensor's offset, as its values would have been: a 7B's 6.5 billion weights in seconds, where quantizing
 * them one by one takes about a minute on two cores (~10 ns a weight).
 */
public final class SyntheticQuantizedWeights implements Function<String, TensorData>, AutoCloseable {

    private final SyntheticWeights plain;
    private final LoadQuantization quantization;
    private final Arena arena = Arena.ofShared();
    private final Map<String, TensorData> made = new HashMap<>();
    private final Map<Phase, TensorData> quantizedBlocks = new HashMap<>();
    private long bytes;

    /** A block of SyntheticWeights read cyclically from element {@code firstElement} on. */
    private record Phase(MemorySegment block, long firstElement) {}

    /**
     * @param quantization the scheme, and the tensors it applies to (as {@code --weights} would quantize them at load)
     * @throws IllegalArgumentException when the group does not divide the tiling block's length (a power of two:
     *                                  every power-of-two group up to 2^20 divides it)
     */
    public SyntheticQuantizedWeights(SyntheticWeights plain, LoadQuantization quantization) {
        this.plain = plain;
        this.quantization = quantization;
        if (plain.blockElements() % quantization.scheme().groupSize() != 0) {
            throw new IllegalArgumentException("synthetic quantized weights need a group that divides "
                    + plain.blockElements() + ", got " + quantization.scheme().groupSize());
        }
    }

    /** Bytes made in memory so far: the plain tensors, the quantized ones and the quantized blocks they are tiled from. */
    public synchronized long bytes() {
        return bytes + plain.bytes();
    }

    /** The named tensor as the quantized checkpoint holds it, made on first request; null for a name it would not hold. */
    @Override
    public synchronized TensorData apply(String name) {
        TensorData data = made.get(name);
        if (data != null) {
            return data;
        }
        TensorSpec spec = plain.spec(name);
        if (spec == null || !quantization.quantizes(name, spec.shape())) {
            return plain.apply(name);
        }
        QuantScheme scheme = quantization.scheme();
        int group = scheme.groupSize();
        long rows = spec.shape()[0];
        long columns = spec.shape()[1];
        MemorySegment scales = arena.allocate(rows * (columns / group) * plain.dtype().byteSize(), 64);
        QuantizedLayout layout = new QuantizedLayout(scheme.bits(), group, rows, columns, plain.dtype(), scales);
        MemorySegment codes = arena.allocate(layout.codeBytes(), 64);

        SyntheticWeights.Tiling tiling = plain.tiling(name);
        long firstElement = tiling.offset() / plain.dtype().byteSize();
        TensorData block = quantizedBlock(new Phase(tiling.block(), firstElement % group));
        // Group g of the tensor is group (firstGroup + g) of the quantized block, wrapping around; rows are
        // whole groups and pack without padding (columns are a multiple of the group, itself of 8).
        long firstGroup = firstElement / group;
        SyntheticWeights.tile(codes, block.data(), firstGroup * group * scheme.bits() / 8);
        SyntheticWeights.tile(scales, block.quantized().scales(), firstGroup * plain.dtype().byteSize());

        data = new TensorData(name, plain.dtype(), spec.shape().clone(), codes, layout);
        made.put(name, data);
        bytes += codes.byteSize() + scales.byteSize();
        return data;
    }

    /** The block read from the phase's element on (wrapping), quantized as one row by the project's {@link Quantizer}. */
    private TensorData quantizedBlock(Phase phase) {
        TensorData quantized = quantizedBlocks.get(phase);
        if (quantized != null) {
            return quantized;
        }
        try (Arena scratch = Arena.ofShared()) { // shared: the quantizer may run on another thread
            MemorySegment rotated = scratch.allocate(phase.block().byteSize(), 64);
            SyntheticWeights.tile(rotated, phase.block(), phase.firstElement() * plain.dtype().byteSize());
            TensorData values = new TensorData("synthetic block", plain.dtype(), new long[] {1, plain.blockElements()}, rotated);
            quantized = Quantizer.quantize(values, quantization.scheme(), arena);
        }
        quantizedBlocks.put(phase, quantized);
        bytes += quantized.data().byteSize() + quantized.quantized().scales().byteSize();
        return quantized;
    }

    @Override
    public synchronized void close() {
        made.clear();
        quantizedBlocks.clear();
        arena.close();
    }
}
