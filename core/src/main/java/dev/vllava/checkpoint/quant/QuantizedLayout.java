package dev.vllava.checkpoint.quant;

import dev.vllava.checkpoint.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * How a quantized weight's bytes are laid out: compressed-tensors' {@code pack-quantized} format.
 * Each row of {@code columns} signed codes of {@code bits} bits is stored offset-binary
 * (code + 2^(bits-1), so 0..255 or 0..15) and packed into little-endian int32 words, element
 * {@code j} of a word at bit {@code j·bits}: in memory, 8-bit codes are one byte each in order and
 * 4-bit codes two per byte, the even element in the low nibble. A row is padded to whole words
 * ({@link #rowBytes}). The weight is {@code code · scale[row][column / groupSize]}, the scales a
 * {@code [rows, columns / groupSize]} tensor of {@code scaleDtype}.
 */
public record QuantizedLayout(int bits, int groupSize, long rows, long columns, DType scaleDtype, MemorySegment scales) {

    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    public QuantizedLayout {
        if (bits != 8 && bits != 4) {
            throw new IllegalArgumentException("bits must be 8 or 4, got " + bits);
        }
        if (groupSize <= 0 || columns % groupSize != 0) {
            throw new IllegalArgumentException("group " + groupSize + " does not divide " + columns + " columns");
        }
    }

    /** Bytes of one packed row: whole int32 words. */
    public static long rowBytes(long columns, int bits) {
        int perWord = 32 / bits;
        return (columns + perWord - 1) / perWord * 4;
    }

    public long rowBytes() {
        return rowBytes(columns, bits);
    }

    public long groupsPerRow() {
        return columns / groupSize;
    }

    /** Bytes the packed codes take: {@code rows × rowBytes}. */
    public long codeBytes() {
        return rows * rowBytes();
    }

    /** Stored bits per weight, scales included (8.5 for q8 with F16 scales in groups of 32). */
    public double bitsPerWeight() {
        return bits + 8.0 * scaleDtype.byteSize() / groupSize;
    }

    /** "int8 g32" / "int4 g128": the format as {@code vllava info} shows it. */
    public String formatName() {
        return "int" + bits + " g" + groupSize;
    }

    /** The scale of {@code group} in {@code row}, as F32. */
    public float scale(long row, long group) {
        long at = (row * groupsPerRow() + group) * scaleDtype.byteSize();
        return switch (scaleDtype) {
            case F32 -> scales.get(F32, at);
            case F16 -> Float.float16ToFloat(scales.get(HALF, at));
            case BF16 -> Float.intBitsToFloat(scales.get(HALF, at) << 16);
        };
    }

    /** The signed code of element {@code column} of {@code row} in {@code codes}. */
    public int code(MemorySegment codes, long row, long column) {
        long rowStart = row * rowBytes();
        if (bits == 8) {
            return (codes.get(ValueLayout.JAVA_BYTE, rowStart + column) & 0xFF) - 128;
        }
        int packed = codes.get(ValueLayout.JAVA_BYTE, rowStart + column / 2) & 0xFF;
        return ((column & 1) == 0 ? packed & 0xF : packed >>> 4) - 8;
    }

    /**
     * Row {@code row} dequantized into {@code out[0, columns)}: the plain reference every kernel is
     * tested against.
     */
    public void dequantizeRow(MemorySegment codes, long row, float[] out) {
        for (long g = 0; g < groupsPerRow(); g++) {
            float s = scale(row, g);
            long first = g * groupSize;
            for (int j = 0; j < groupSize; j++) {
                out[(int) (first + j)] = code(codes, row, first + j) * s;
            }
        }
    }
}
