package dev.vllava.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vllava.checkpoint.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The F16 widening every GEMV and GEMM reads weights through. */
class HalvesTest {

    @Test
    void everyFiniteHalfWidensExactlySubnormalsIncluded() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment halves = arena.allocate(2L * 65536);
            for (int bits = 0; bits < 65536; bits++) {
                halves.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, bits, (short) bits);
            }
            float[] floats = new float[65536];
            Halves.toFloats(DType.F16, halves, 0, 65536, floats);
            for (int bits = 0; bits < 65536; bits++) {
                float expected = Float.float16ToFloat((short) bits);
                if (Float.isFinite(expected) && expected != 0) {
                    String half = "half 0x" + Integer.toHexString(bits);
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(floats[bits]), half);
                }
            }
        }
    }

    @Test
    void zeroOfEitherSignWidensToZero() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment halves = arena.allocate(2L * Halves.LANES);
            halves.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 1, (short) 0x8000);
            float[] floats = new float[Halves.LANES];
            Halves.toFloats(DType.F16, halves, 0, Halves.LANES, floats);
            assertEquals(0f, floats[0], 0f);
            assertEquals(0f, floats[1], 0f, "-0 widens to a zero (its sign changes no product or sum)");
        }
    }
}
