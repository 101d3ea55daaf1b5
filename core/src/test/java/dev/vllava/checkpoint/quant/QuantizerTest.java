package dev.vllava.checkpoint.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The quantizer's rounding: every weight within half a step of its code, and which weights are exact. */
class QuantizerTest {

    private static final int ROWS = 16;
    private static final int COLUMNS = 256;
    private static final int GROUP = 32;

    @Test
    void eightBitsRepresentEachGroupsLargestWeightExactlyAndTheRestWithinHalfAStep() {
        float[] w = gaussian(new Random(3));
        float[] back = roundTrip(w, 8);
        for (int g = 0; g < ROWS * COLUMNS / GROUP; g++) {
            int largest = g * GROUP;
            float absMax = 0;
            for (int i = g * GROUP; i < (g + 1) * GROUP; i++) {
                if (Math.abs(w[i]) > Math.abs(w[largest])) {
                    largest = i;
                }
                absMax = Math.max(absMax, Math.abs(w[i]));
            }
            assertEquals(w[largest], back[largest], 1e-6 * absMax, "group " + g + "'s largest weight");
            for (int i = g * GROUP; i < (g + 1) * GROUP; i++) {
                assertTrue(Math.abs(w[i] - back[i]) <= 0.5001 * absMax / 127, "weight " + i);
            }
        }
    }

    @Test
    void fourBitsUseStepsOfTheGroupMaximumOver7point5() {
        float[] w = gaussian(new Random(4));
        float[] back = roundTrip(w, 4);
        for (int g = 0; g < ROWS * COLUMNS / GROUP; g++) {
            float absMax = 0;
            for (int i = g * GROUP; i < (g + 1) * GROUP; i++) {
                absMax = Math.max(absMax, Math.abs(w[i]));
            }
            for (int i = g * GROUP; i < (g + 1) * GROUP; i++) {
                assertTrue(Math.abs(w[i] - back[i]) <= 0.5001 * absMax / 7.5, "weight " + i);
                float code = back[i] / (absMax / 7.5f);
                assertEquals(Math.round(code), code, 1e-3, "weight " + i + " is a whole number of steps");
            }
        }
    }

    private static float[] roundTrip(float[] w, int bits) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate(4L * w.length, 64);
            MemorySegment.copy(w, 0, data, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, w.length);
            TensorData q = Quantizer.quantize(new TensorData("w", DType.F32, new long[] {ROWS, COLUMNS}, data),
                    new QuantScheme(bits, GROUP), arena);
            float[] back = new float[w.length];
            float[] row = new float[COLUMNS];
            for (int r = 0; r < ROWS; r++) {
                q.quantized().dequantizeRow(q.data(), r, row);
                System.arraycopy(row, 0, back, r * COLUMNS, COLUMNS);
            }
            return back;
        }
    }

    private static float[] gaussian(Random random) {
        float[] w = new float[ROWS * COLUMNS];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * 0.02);
        }
        return w;
    }
}
