package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Random inputs as checkpoints store them, and tolerance checks that report the worst element. */
final class TestTensors {
    private TestTensors() {}

    static float[] gaussian(Random random, int n, double scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * scale);
        }
        return values;
    }

    /** A weight in {@code dtype}, little-endian, 2 bytes off alignment like a slice of a safetensors file. */
    static TensorData weight(Arena arena, String name, DType dtype, int rows, int columns, float[] values) {
        int size = dtype.byteSize();
        MemorySegment file = arena.allocate(2 + (long) values.length * size, 1);
        MemorySegment data = file.asSlice(2, (long) values.length * size);
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case F32 -> data.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i, values[i]);
                case F16 -> data.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, Float.floatToFloat16(values[i]));
                case BF16 -> {
                    int bits = Float.floatToRawIntBits(values[i]);
                    data.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16));
                }
            }
        }
        long[] shape = rows == 1 ? new long[] {columns} : new long[] {rows, columns};
        return new TensorData(name, dtype, shape, data);
    }

    /** max |actual - expected| ≤ absolute + relative · max|expected|, naming the worst element. */
    static void assertClose(float[] expected, float[] actual, double absolute, double relative, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs((double) expected[i] - actual[i]);
            if (!(diff <= worst)) {
                worst = diff;
                at = i;
            }
        }
        double limit = absolute + relative * scale;
        String detail = at < 0 ? "" : String.format(" (element %d: expected %g, got %g)", at, expected[at], actual[at]);
        assertTrue(worst <= limit, String.format("%s: max error %.3g > %.3g = %.1g + %.1g·%.3g%s",
                what, worst, limit, absolute, relative, scale, detail));
    }
}
