package dev.vllava.bench;

import dev.vllava.checkpoint.CheckpointSchema;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.TensorSpec;
import dev.vllava.checkpoint.quant.LoadQuantization;
import dev.vllava.checkpoint.quant.QuantScheme;
import dev.vllava.checkpoint.quant.QuantizedLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * {@code bench --synthetic 7b --weights q8|q4}: the quantization's target layers made directly as
 * random codes and scales (a 7B in F16 first, then quantized, would need 13 GB more memory and
 * minutes), every other tensor from {@link SyntheticWeights}. Codes are tiled from one 4 MiB random
 * block, as SyntheticWeights tiles its values, so the memory traffic is that of distinct weights.
 */
public final class SyntheticQuantizedWeights implements Function<String, TensorData>, AutoCloseable {
    private static final int BLOCK_BYTES = 4 << 20;

    private final SyntheticWeights plain;
    private final LoadQuantization quantization;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment randomBytes;
    private final Map<String, TensorData> made = new HashMap<>();
    private final Map<String, TensorSpec> specs = new HashMap<>();
    private long bytes;

    public SyntheticQuantizedWeights(SyntheticWeights plain, LoadQuantization quantization, long seed) {
        this.plain = plain;
        this.quantization = quantization;
        for (TensorSpec spec : CheckpointSchema.expected(plain.config())) {
            specs.put(spec.name(), spec);
        }
        this.randomBytes = arena.allocate(BLOCK_BYTES, 64);
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i < BLOCK_BYTES; i += 8) {
            randomBytes.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
        }
    }

    /** Bytes made in memory so far, plain tensors included. */
    public synchronized long bytes() {
        return bytes + plain.bytes();
    }

    @Override
    public synchronized TensorData apply(String name) {
        TensorData data = made.get(name);
        if (data != null) {
            return data;
        }
        if (!quantization.targets().quantizes(name)) {
            return plain.apply(name);
        }
        TensorSpec spec = specs.get(name);
        if (spec == null) {
            return null;
        }
        long[] shape = spec.shape().clone();
        QuantScheme scheme = quantization.scheme();
        DType scaleType = plain.dtype();
        long rows = shape[0];
        long columns = shape[1];
        MemorySegment scales = arena.allocate(rows * (columns / scheme.groupSize()) * scaleType.byteSize(), 64);
        QuantizedLayout layout = new QuantizedLayout(scheme.bits(), scheme.groupSize(), rows, columns, scaleType, scales);
        MemorySegment codes = arena.allocate(layout.codeBytes(), 64);
        long offset = Math.floorMod(name.hashCode(), BLOCK_BYTES / 64) * 64L;
        tile(codes, offset);
        // scales near 0.02 / maxCode: weights of the same size as SyntheticWeights' F16 ones
        float scale = 0.02f / scheme.maxCode();
        for (long i = 0; i < scales.byteSize() / scaleType.byteSize(); i++) {
            switch (scaleType) {
                case F32 -> scales.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, scale);
                case F16 -> scales.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(scale));
                case BF16 -> scales.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToIntBits(scale) >>> 16));
            }
        }
        data = new TensorData(name, scaleType, shape, codes, layout);
        made.put(name, data);
        bytes += codes.byteSize() + scales.byteSize();
        return data;
    }

    private void tile(MemorySegment target, long offset) {
        long at = 0;
        long from = offset;
        while (at < target.byteSize()) {
            long count = Math.min(target.byteSize() - at, BLOCK_BYTES - from);
            MemorySegment.copy(randomBytes, from, target, at, count);
            at += count;
            from = 0;
        }
    }

    @Override
    public synchronized void close() {
        made.clear();
        arena.close();
    }
}
