package dev.vllava.engine.cpu;

import static dev.vllava.engine.cpu.Halves.FLOATS;
import static dev.vllava.engine.cpu.Halves.LANES;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.quant.QuantizedLayout;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The inner loops over one row of quantized codes (layout in {@link QuantizedLayout}): a dot product
 * with an F32 input row (decode) and dequantization into floats (prefill panels). A vector of
 * {@link #LANES} codes is read as {@code LANES} bytes (8 bits) or half as many bytes holding two
 * codes each (4 bits: low nibbles are the even elements, high nibbles the odd ones), widened to
 * floats in registers and used at once. A 4-bit row is therefore dotted with the input split into
 * its even and odd elements ({@link #deinterleave}), which costs one pass over the input per call
 * instead of a shuffle per weight vector.
 *
 * <p>Group sums are accumulated in a vector and scaled once per group (one FMA per group), so the
 * arithmetic is the reference's {@code Σ_g scale_g · Σ_j code·x} up to F32 rounding order.
 */
final class QuantizedRows {
    static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(LANES * 8));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private QuantizedRows() {}

    /** Whether the vector loops apply: whole code vectors per group (else the scalar reference path). */
    static boolean vectorizable(QuantizedLayout layout) {
        return layout.groupSize() % (layout.bits() == 8 ? LANES : 2 * LANES) == 0 && LANES >= 8;
    }

    /**
     * A 4-bit row's input: {@code [x_0, x_2, x_4, ...]}, then {@code [x_1, x_3, ...]}, then the sum
     * of each group of {@code groupSize} inputs.
     */
    static float[] deinterleave(float[] x, int groupSize) {
        int half = x.length / 2;
        float[] split = new float[x.length + x.length / groupSize];
        for (int i = 0; i < half; i++) {
            split[i] = x[2 * i];
            split[half + i] = x[2 * i + 1];
        }
        for (int g = 0; g < x.length / groupSize; g++) {
            float sum = 0;
            for (int j = 0; j < groupSize; j++) {
                sum += x[g * groupSize + j];
            }
            split[x.length + g] = sum;
        }
        return split;
    }

    /**
     * {@code Σ_c w[row, c] · x[c]}. {@code x} is the input row as is for 8 bits and
     * {@link #deinterleave}d for 4 bits.
     */
    static float dot(QuantizedLayout layout, MemorySegment codes, long row, float[] x) {
        if (!vectorizable(layout)) {
            return dotScalar(layout, codes, row, x);
        }
        return layout.bits() == 8 ? dot8(layout, codes, row * layout.rowBytes(), row, x)
                : dot4(layout, codes, row * layout.rowBytes(), row, x);
    }

    private static float dot8(QuantizedLayout layout, MemorySegment codes, long at, long row, float[] x) {
        int group = layout.groupSize();
        int groups = (int) layout.groupsPerRow();
        FloatVector sum = FloatVector.zero(FLOATS);
        long scaleRow = row * groups;
        for (int g = 0; g < groups; g++) {
            FloatVector acc0 = FloatVector.zero(FLOATS);
            FloatVector acc1 = acc0;
            int c = g * group;
            int end = c + group;
            for (; c + 2 * LANES <= end; c += 2 * LANES) {
                acc0 = codes8(codes, at + c).fma(FloatVector.fromArray(FLOATS, x, c), acc0);
                acc1 = codes8(codes, at + c + LANES).fma(FloatVector.fromArray(FLOATS, x, c + LANES), acc1);
            }
            if (c < end) {
                acc0 = codes8(codes, at + c).fma(FloatVector.fromArray(FLOATS, x, c), acc0);
            }
            sum = acc0.add(acc1).fma(scale(layout, scaleRow + g), sum);
        }
        return VectorMath.sum(sum);
    }

    /**
     * The codes are {@code nibble - 8}: the nibbles (0..15) are dotted as they are and
     * {@code 8 · Σ_group x} is taken off per group, from the sums that {@link #deinterleave} appended
     * to the input (one subtraction per group instead of one per vector).
     */
    private static float dot4(QuantizedLayout layout, MemorySegment codes, long at, long row, float[] x) {
        int group = layout.groupSize();
        int groups = (int) layout.groupsPerRow();
        int columns = (int) layout.columns();
        int half = columns / 2;
        FloatVector sum = FloatVector.zero(FLOATS);
        float offsets = 0;
        long scaleRow = row * groups;
        for (int g = 0; g < groups; g++) {
            FloatVector even = FloatVector.zero(FLOATS);
            FloatVector odd = even;
            // element pairs [p, p + LANES) of this group hold columns 2p .. 2p + 2·LANES
            for (int p = g * group / 2; p < (g + 1) * group / 2; p += LANES) {
                ByteVector packed = ByteVector.fromMemorySegment(BYTES, codes, at + p, LE);
                even = toFloats(packed.and((byte) 0x0F)).fma(FloatVector.fromArray(FLOATS, x, p), even);
                odd = toFloats(packed.lanewise(VectorOperators.LSHR, 4)).fma(FloatVector.fromArray(FLOATS, x, half + p), odd);
            }
            float scale = scalarScale(layout, scaleRow + g);
            sum = even.add(odd).fma(FloatVector.broadcast(FLOATS, scale), sum);
            offsets += scale * x[columns + g];
        }
        return VectorMath.sum(sum) - 8 * offsets;
    }

    private static FloatVector toFloats(ByteVector bytes) {
        return (FloatVector) bytes.convertShape(VectorOperators.B2F, FLOATS, 0);
    }

    /**
     * Columns {@code [first, first + count)} of row {@code row} dequantized into {@code out[outAt, outAt + count)}.
     * The range may start and end inside a group (a per-row scale is one group as wide as the row); it
     * is vectorized when both ends fall on a vector step, as {@link Gemm}'s inner blocks do. {@code pairs}
     * holds at least {@code min(count, groupSize)} floats (the 4-bit nibbles before interleaving).
     */
    static void dequantize(QuantizedLayout layout, MemorySegment codes, long row, int first, int count,
                           float[] out, int outAt, float[] pairs) {
        int group = layout.groupSize();
        int step = layout.bits() == 8 ? LANES : 2 * LANES;
        if (!vectorizable(layout) || first % step != 0 || count % step != 0) {
            for (int c = 0; c < count; c++) {
                out[outAt + c] = layout.code(codes, row, first + c) * layout.scale(row, (first + c) / group);
            }
            return;
        }
        long at = row * layout.rowBytes();
        long scaleRow = row * layout.groupsPerRow();
        int end = first + count;
        for (int c0 = first; c0 < end; ) {
            int c1 = Math.min(end, (c0 / group + 1) * group); // the range's part of this group: one scale
            FloatVector scale = scale(layout, scaleRow + c0 / group);
            int width = c1 - c0;
            int to = outAt + c0 - first;
            if (layout.bits() == 8) {
                for (int c = 0; c < width; c += LANES) {
                    codes8(codes, at + c0 + c).mul(scale).intoArray(out, to + c);
                }
            } else {
                // even and odd columns come out of separate nibbles: stage them, then interleave
                int half = width / 2;
                for (int p = 0; p < half; p += LANES) {
                    ByteVector packed = ByteVector.fromMemorySegment(BYTES, codes, at + c0 / 2 + p, LE);
                    nibbles(packed, false).mul(scale).intoArray(pairs, p);
                    nibbles(packed, true).mul(scale).intoArray(pairs, half + p);
                }
                for (int j = 0; j < half; j++) {
                    out[to + 2 * j] = pairs[j];
                    out[to + 2 * j + 1] = pairs[half + j];
                }
            }
            c0 = c1;
        }
    }

    /** {@link #LANES} offset-binary bytes as signed floats: flipping the top bit turns {@code q + 128} into {@code q}. */
    private static FloatVector codes8(MemorySegment codes, long at) {
        return (FloatVector) ByteVector.fromMemorySegment(BYTES, codes, at, LE).lanewise(VectorOperators.XOR, (byte) 0x80)
                .convertShape(VectorOperators.B2F, FLOATS, 0);
    }

    /** The low (even columns) or high (odd columns) nibbles of {@link #LANES} bytes, minus 8, as floats. */
    private static FloatVector nibbles(ByteVector packed, boolean high) {
        ByteVector n = high ? packed.lanewise(VectorOperators.LSHR, 4) : packed.and((byte) 0x0F);
        return (FloatVector) n.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, FLOATS, 0);
    }

    private static FloatVector scale(QuantizedLayout layout, long index) {
        return FloatVector.broadcast(FLOATS, scalarScale(layout, index));
    }

    private static float scalarScale(QuantizedLayout layout, long index) {
        DType dtype = layout.scaleDtype();
        return Halves.scalar(dtype, layout.scales(), index * dtype.byteSize());
    }

    private static float dotScalar(QuantizedLayout layout, MemorySegment codes, long row, float[] x) {
        int half = (int) (layout.columns() / 2);
        float sum = 0;
        for (long g = 0; g < layout.groupsPerRow(); g++) {
            float groupSum = 0;
            for (long c = g * layout.groupSize(); c < (g + 1) * layout.groupSize(); c++) {
                float xc = layout.bits() == 8 ? x[(int) c] : (c & 1) == 0 ? x[(int) (c / 2)] : x[(int) (half + c / 2)];
                groupSum += layout.code(codes, row, c) * xc;
            }
            sum += groupSum * layout.scale(row, g);
        }
        return sum;
    }
}
