package dev.vllava.engine.cpu;

import dev.vllava.checkpoint.DType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.ConcurrentSkipListMap;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The halves of an F16 weight whose exponent is zero (zeros and subnormals), each with what
 * {@link Halves#f16Widened} gets wrong about it, so that the decode GEMV can widen every half with
 * integer operations and add {@code Σ x[j]·error[j]} per row afterwards. Widening a subnormal exactly
 * costs a multiply with a subnormal operand, which the CPU runs on a slow path (measured: a third of
 * the GEMV's arithmetic on trained-like weights, where ~0.3% of the halves are subnormal); a weight is
 * constant, so the few such halves are found once, on the weight's first GEMV.
 *
 * <p>Only columns below {@code columns - columns % LANES} are listed: the GEMV widens the rest (a row's
 * tail shorter than a vector) exactly, one value at a time.
 */
final class ZeroExponentHalves {

    /** Above this share of zero-exponent halves the sparse list costs more than it saves: the weight keeps the exact widening. */
    static final double MAX_SHARE = 0.02;

    private static final VectorSpecies<Short> SCAN = ShortVector.SPECIES_PREFERRED;

    private final int[] rowStart;
    private final int[] column;
    private final float[] error;

    private ZeroExponentHalves(int[] rowStart, int[] column, float[] error) {
        this.rowStart = rowStart;
        this.column = column;
        this.error = error;
    }

    /** The list for an F16 weight, or null when it has too many such halves (or is not F16). */
    static ZeroExponentHalves find(ParallelLoop loop, CpuTensor w) {
        if (w.dtype != DType.F16) {
            return null;
        }
        int widened = w.columns - w.columns % Halves.LANES;
        long limit = (long) (MAX_SHARE * w.rows * (double) widened);
        ConcurrentSkipListMap<Integer, Part> parts = new ConcurrentSkipListMap<>();
        loop.forRange(w.rows, 64, (start, end) -> parts.put(start, Part.scan(w, start, end, widened)));
        long total = parts.values().stream().mapToLong(part -> part.count).sum();
        if (total > limit) {
            return null;
        }
        int[] rowStart = new int[w.rows + 1];
        int[] column = new int[(int) total];
        float[] error = new float[(int) total];
        int at = 0;
        for (Part part : parts.values()) {
            System.arraycopy(part.columns, 0, column, at, part.count);
            System.arraycopy(part.errors, 0, error, at, part.count);
            for (int r = 0; r < part.rowEnds.length; r++) {
                rowStart[part.firstRow + r + 1] = at + part.rowEnds[r];
            }
            at += part.count;
        }
        return new ZeroExponentHalves(rowStart, column, error);
    }

    /** What row {@code row}'s widened dot product with {@code x} lacks. */
    float correction(int row, float[] x) {
        float sum = 0f;
        for (int k = rowStart[row]; k < rowStart[row + 1]; k++) {
            sum += error[k] * x[column[k]];
        }
        return sum;
    }

    /** Zero-exponent halves listed (for tests and figures). */
    int count() {
        return column.length;
    }

    /** One range of rows' entries, in row order. */
    private static final class Part {
        final int firstRow;
        final int[] rowEnds;
        int[] columns = new int[64];
        float[] errors = new float[64];
        int count;

        private Part(int firstRow, int rows) {
            this.firstRow = firstRow;
            this.rowEnds = new int[rows];
        }

        static Part scan(CpuTensor w, int start, int end, int widened) {
            Part part = new Part(start, end - start);
            MemorySegment segment = w.segment;
            for (int row = start; row < end; row++) {
                long rowOffset = w.byteOffset(row, 0);
                int c = 0;
                for (; c + SCAN.length() <= widened; c += SCAN.length()) {
                    boolean any = ShortVector.fromMemorySegment(SCAN, segment, rowOffset + 2L * c, Halves.LE)
                            .and((short) 0x7c00).compare(VectorOperators.EQ, (short) 0).anyTrue();
                    if (any) {
                        part.addFrom(segment, rowOffset, c, c + SCAN.length());
                    }
                }
                part.addFrom(segment, rowOffset, c, widened);
                part.rowEnds[row - start] = part.count;
            }
            return part;
        }

        private void addFrom(MemorySegment segment, long rowOffset, int from, int to) {
            for (int c = from; c < to; c++) {
                short half = segment.get(CpuTensor.HALF, rowOffset + 2L * c);
                if ((half & 0x7c00) == 0) {
                    if (count == columns.length) {
                        columns = Arrays.copyOf(columns, 2 * count);
                        errors = Arrays.copyOf(errors, 2 * count);
                    }
                    columns[count] = c;
                    errors[count] = Halves.f16WidenedError(half);
                    count++;
                }
            }
        }
    }
}
