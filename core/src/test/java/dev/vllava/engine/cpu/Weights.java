package dev.vllava.engine.cpu;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/**
 * Test weights as a checkpoint would hold them: little-endian bytes in a segment, in F32, F16 or
 * BF16, at an odd byte offset inside a larger segment (like a tensor inside a mapped file), plus
 * the exact values the stored bits represent (for double-precision references).
 */
final class Weights {

    final TensorData data;
    /** The stored values, exactly, row-major. */
    final double[] values;

    private Weights(TensorData data, double[] values) {
        this.data = data;
        this.values = values;
    }

    static Weights random(Arena arena, String name, DType dtype, int rows, int columns, Random random) {
        float[] raw = new float[rows * columns];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (float) random.nextGaussian();
        }
        return of(arena, name, dtype, rows, columns, raw);
    }

    static Weights of(Arena arena, String name, DType dtype, int rows, int columns, float[] raw) {
        int size = dtype.byteSize();
        // A leading 2-byte pad puts F32 data off 4-byte alignment, as a safetensors slice may be.
        long pad = 2;
        MemorySegment file = arena.allocate(pad + (long) raw.length * size + 8, 1);
        MemorySegment data = file.asSlice(pad, (long) raw.length * size);
        double[] values = new double[raw.length];
        for (int i = 0; i < raw.length; i++) {
            switch (dtype) {
                case F32 -> {
                    data.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i, raw[i]);
                    values[i] = raw[i];
                }
                case F16 -> {
                    short half = Float.floatToFloat16(raw[i]);
                    data.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, half);
                    values[i] = Float.float16ToFloat(half);
                }
                case BF16 -> {
                    int bits = Float.floatToRawIntBits(raw[i]);
                    short bf = (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
                    data.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, bf);
                    values[i] = Float.intBitsToFloat(bf << 16);
                }
            }
        }
        long[] shape = rows == 1 ? new long[] {columns} : new long[] {rows, columns};
        return new Weights(new TensorData(name, dtype, shape, data), values);
    }

    static float[] gaussian(int count, Random random) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
