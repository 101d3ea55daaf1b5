package dev.vllava.engine.cpu;

import static dev.vllava.engine.cpu.Halves.FLOATS;
import static dev.vllava.engine.cpu.Halves.LANES;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.quant.QuantizedLayout;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The inner loops over one row of quantized codes (layout in {@link QuantizedLayout}): a dot product
 * with an F32 input row (decode) and dequantization into floats (prefill panels). A vector of
 * {@link #LANES} codes is read as {@code LANES} bytes (8 bits) or {@code LANES} bytes holding
 * twice as many codes (4 bits: low nibbles are the even elements, high nibbles the odd ones),
 * widened to floats in registers and used at once. A 4-bit row is therefore dotted with the input
 * split into its even and odd elements ({@link #input}), which costs one pass over the input per
 * call instead of a shuffle per weight vector.
 *
 * <p>Block sums are accumulated in a vector and scaled once per block (one FMA per block), so the
 * arithmetic is the reference's {@code Σ_g scale_g · Σ_j code·x} up to F32 rounding order.
 */
final class QuantizedRows {
    static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(LANES * 8));
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, VectorShape.forBitSize(LANES * 32));
    private static final VectorSpecies<Short> SHORTS = VectorSpecies.of(short.class, VectorShape.forBitSize(LANES * 16));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private QuantizedRows() {}

    /**
     * The dot products' unit: {@code 2 · LANES} codes, two vectors of 8-bit codes or one of packed
     * 4-bit pairs. Each block is scaled by its group's scale, so a group may hold several blocks.
     */
    static final int BLOCK = 2 * LANES;

    /**
     * Whether the vector loops apply: whole blocks per group, a power of two of them (the group of a
     * block is then a shift away). Groups of 32, 64, 128, ... on 8- or 16-lane vectors; else the
     * scalar reference path.
     */
    static boolean vectorizable(QuantizedLayout layout) {
        int blocks = layout.groupSize() / BLOCK;
        return layout.groupSize() % BLOCK == 0 && Integer.bitCount(blocks) == 1 && LANES >= 8;
    }

    /**
     * The input row as the dot products take it: for 8 bits {@code x} itself, for 4 bits
     * {@code [x_0, x_2, x_4, ...]} then {@code [x_1, x_3, ...]}; then, for both, the sum of each group's
     * inputs (the codes' offset is taken off once per group with it).
     */
    static float[] input(float[] x, QuantizedLayout layout) {
        int group = layout.groupSize();
        int groups = x.length / group;
        float[] prepared = new float[x.length + groups];
        if (layout.bits() == 8) {
            System.arraycopy(x, 0, prepared, 0, x.length);
        } else {
            int half = x.length / 2;
            for (int i = 0; i < half; i++) {
                prepared[i] = x[2 * i];
                prepared[half + i] = x[2 * i + 1];
            }
        }
        for (int g = 0; g < groups; g++) {
            float sum = 0;
            for (int j = 0; j < group; j++) {
                sum += x[g * group + j];
            }
            prepared[x.length + g] = sum;
        }
        return prepared;
    }

    /**
     * Row {@code row}'s group scales as floats into {@code into[0, groupsPerRow)}, for {@link #dot}: one
     * vector conversion per {@link #LANES} groups, where converting each block's scale inside the dot
     * (a scalar F16 load and widening per 32 codes) cost a fifth of the 8-bit dot's time (16.7 → 21.2 GB/s
     * of codes per core, 11008 × 4096 in L3, AVX-512 EPYC, 2026-12-02).
     */
    static void rowScales(QuantizedLayout layout, long row, float[] into) {
        DType dtype = layout.scaleDtype();
        long groups = layout.groupsPerRow();
        Halves.toFloats(dtype, layout.scales(), row * groups * dtype.byteSize(), (int) groups, into);
    }

    /** {@code Σ_c w[row, c] · x[c]} with {@code x} prepared by {@link #input} and the row's {@link #rowScales}. */
    static float dot(QuantizedLayout layout, MemorySegment codes, long row, float[] x, float[] scales) {
        if (!vectorizable(layout)) {
            return dotScalar(layout, codes, row, x);
        }
        float codeSum = layout.bits() == 8 ? dot8(layout, codes, row * layout.rowBytes(), x, scales)
                : dot4(layout, codes, row * layout.rowBytes(), x, scales);
        // What the codes' offset added: offset · Σ_g scale_g · (Σ of group g's inputs, stored after the inputs).
        int offset = layout.bits() == 8 ? 128 : 8;
        return codeSum - offset * VectorMath.dot(scales, 0, x, (int) layout.columns(), (int) layout.groupsPerRow());
    }

    /*
     * Both dot products work on the stored offset codes (q + 128, q + 8) zero-extended, one
     * conversion less than signed codes; {@link #dot} takes offset · Σ_group scale · Σ x off after. Two blocks
     * per step, each with its own running sum and no loop inside a step: with one running sum, the
     * FMA latency of adding each scaled block into it bounded the loop, and a loop over the vectors of
     * a group (for any group size) ran at half the speed of straight-line blocks (C2, JDK 25). 11 → 20
     * GB/s of codes per core for 8 bits, 4 → 12 for 4 bits (CPU-time probe of 11008 × 4096 rows,
     * AVX-512 EPYC, 2026-12-02).
     */

    private static float dot8(QuantizedLayout layout, MemorySegment codes, long at, float[] x, float[] scales) {
        int blocks = (int) (layout.columns() / BLOCK);
        int shift = Integer.numberOfTrailingZeros(layout.groupSize() / BLOCK);
        FloatVector total0 = FloatVector.zero(FLOATS);
        FloatVector total1 = total0;
        int b = 0;
        for (; b < (blocks & ~1); b += 2) {
            int c = b * BLOCK;
            FloatVector dot0 = codes8(codes, at + c).mul(FloatVector.fromArray(FLOATS, x, c));
            FloatVector dot1 = codes8(codes, at + c + BLOCK).mul(FloatVector.fromArray(FLOATS, x, c + BLOCK));
            dot0 = codes8(codes, at + c + LANES).fma(FloatVector.fromArray(FLOATS, x, c + LANES), dot0);
            dot1 = codes8(codes, at + c + BLOCK + LANES).fma(FloatVector.fromArray(FLOATS, x, c + BLOCK + LANES), dot1);
            total0 = dot0.fma(FloatVector.broadcast(FLOATS, scales[b >>> shift]), total0);
            total1 = dot1.fma(FloatVector.broadcast(FLOATS, scales[(b + 1) >>> shift]), total1);
        }
        if (b < blocks) {
            int c = b * BLOCK;
            FloatVector dot0 = codes8(codes, at + c).mul(FloatVector.fromArray(FLOATS, x, c));
            dot0 = codes8(codes, at + c + LANES).fma(FloatVector.fromArray(FLOATS, x, c + LANES), dot0);
            total0 = dot0.fma(FloatVector.broadcast(FLOATS, scales[b >>> shift]), total0);
        }
        return VectorMath.sum(total0.add(total1));
    }

    /**
     * A block is {@link #LANES} bytes: the low nibbles (even columns) are dotted with the input's
     * first half, the high nibbles (odd columns) with its second half.
     */
    private static float dot4(QuantizedLayout layout, MemorySegment codes, long at, float[] x, float[] scales) {
        int blocks = (int) (layout.columns() / BLOCK);
        int half = (int) (layout.columns() / 2);
        int shift = Integer.numberOfTrailingZeros(layout.groupSize() / BLOCK);
        FloatVector total0 = FloatVector.zero(FLOATS);
        FloatVector total1 = total0;
        int b = 0;
        for (; b < (blocks & ~1); b += 2) {
            int p = b * LANES;
            IntVector packed0 = packed(codes, at + p);
            IntVector packed1 = packed(codes, at + p + LANES);
            FloatVector dot0 = low(packed0).mul(FloatVector.fromArray(FLOATS, x, p));
            FloatVector dot1 = low(packed1).mul(FloatVector.fromArray(FLOATS, x, p + LANES));
            dot0 = high(packed0).fma(FloatVector.fromArray(FLOATS, x, half + p), dot0);
            dot1 = high(packed1).fma(FloatVector.fromArray(FLOATS, x, half + p + LANES), dot1);
            total0 = dot0.fma(FloatVector.broadcast(FLOATS, scales[b >>> shift]), total0);
            total1 = dot1.fma(FloatVector.broadcast(FLOATS, scales[(b + 1) >>> shift]), total1);
        }
        if (b < blocks) {
            int p = b * LANES;
            IntVector packed0 = packed(codes, at + p);
            FloatVector dot0 = low(packed0).mul(FloatVector.fromArray(FLOATS, x, p));
            dot0 = high(packed0).fma(FloatVector.fromArray(FLOATS, x, half + p), dot0);
            total0 = dot0.fma(FloatVector.broadcast(FLOATS, scales[b >>> shift]), total0);
        }
        return VectorMath.sum(total0.add(total1));
    }

    /** {@link #LANES} stored 8-bit codes ({@code q + 128}) zero-extended to floats. */
    private static FloatVector codes8(MemorySegment codes, long at) {
        return (FloatVector) packed(codes, at).convert(VectorOperators.I2F, 0);
    }

    /** {@link #LANES} bytes zero-extended to ints. */
    private static IntVector packed(MemorySegment codes, long at) {
        return (IntVector) ByteVector.fromMemorySegment(BYTES, codes, at, LE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0);
    }

    /** The low nibbles ({@code q + 8} of the even columns) as floats. */
    private static FloatVector low(IntVector packed) {
        return (FloatVector) packed.and(0x0F).convert(VectorOperators.I2F, 0);
    }

    /** The high nibbles ({@code q + 8} of the odd columns) as floats. */
    private static FloatVector high(IntVector packed) {
        return (FloatVector) packed.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
    }

    /**
     * Columns {@code [first, first + count)} of row {@code row} dequantized into {@code out[outAt, outAt + count)}.
     * The range may start and end inside a group (a per-row scale is one group as wide as the row); it
     * is vectorized when both ends fall on a vector step, as {@link Gemm}'s inner blocks do.
     */
    static void dequantize(QuantizedLayout layout, MemorySegment codes, long row, int first, int count,
                           float[] out, int outAt) {
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
                    signed8(codes, at + c0 + c).mul(scale).intoArray(out, to + c);
                }
            } else {
                for (int c = 0; c < width; c += 2 * LANES) {
                    ByteVector nibbles = nibblesInOrder(codes, at + (c0 + c) / 2);
                    signedNibbles(nibbles, 0).mul(scale).intoArray(out, to + c);
                    signedNibbles(nibbles, 1).mul(scale).intoArray(out, to + c + LANES);
                }
            }
            c0 = c1;
        }
    }

    /** {@link #LANES} stored 8-bit codes as signed floats: flipping the top bit turns {@code q + 128} into {@code q}. */
    private static FloatVector signed8(MemorySegment codes, long at) {
        return (FloatVector) ByteVector.fromMemorySegment(BYTES, codes, at, LE).lanewise(VectorOperators.XOR, (byte) 0x80)
                .convertShape(VectorOperators.B2F, FLOATS, 0);
    }

    /**
     * The {@code 2 · LANES} 4-bit codes of {@link #LANES} bytes, one per byte in column order: each byte
     * is widened to a 16-bit lane holding its low nibble in the low byte and its high nibble in the high
     * byte, so the lanes read as bytes are the nibbles in order (the scalar interleave of floats this
     * replaces took most of a 4-bit prefill strip's time).
     */
    private static ByteVector nibblesInOrder(MemorySegment codes, long at) {
        ShortVector wide = (ShortVector) ByteVector.fromMemorySegment(BYTES, codes, at, LE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
        return wide.and((short) 0x0F).or(wide.lanewise(VectorOperators.LSHL, 4).and((short) 0x0F00)).reinterpretAsBytes();
    }

    /** Half {@code part} (0 or 1) of {@link #nibblesInOrder}'s codes as signed floats. */
    private static FloatVector signedNibbles(ByteVector nibbles, int part) {
        IntVector codes = (IntVector) nibbles.convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, part);
        return (FloatVector) codes.sub(8).convert(VectorOperators.I2F, 0);
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
