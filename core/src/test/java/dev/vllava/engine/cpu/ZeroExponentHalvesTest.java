package dev.vllava.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ZeroExponentHalvesTest {

    private final Arena arena = Arena.ofShared();
    private final CpuEngine engine = new CpuEngine(2);

    @AfterEach
    void close() {
        engine.close();
        arena.close();
    }

    @Test
    void widenedHalvesPlusTheirErrorAreExactForEveryFiniteHalf() {
        MemorySegment all = arena.allocate(2L * 65536, 64);
        for (int i = 0; i < 65536; i++) {
            all.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) i);
        }
        for (int i = 0; i < 65536; i += Halves.LANES) {
            float[] widened = Halves.f16Widened(all, 2L * i).toArray();
            for (int lane = 0; lane < Halves.LANES; lane++) {
                short half = (short) (i + lane);
                if ((half & 0x7c00) == 0x7c00) {
                    continue; // Inf and NaN: no usable checkpoint holds them
                }
                // Equal as numbers (delta 0): -0 comes out as +0, which no sum can tell apart.
                assertEquals(Float.float16ToFloat(half), widened[lane] + Halves.f16WidenedError(half), 0.0,
                        "half 0x" + Integer.toHexString(half & 0xffff));
            }
        }
    }

    /**
     * Rows of trained-like scale with zeros and subnormals sprinkled in (1% of the halves, under the
     * share that switches to the sparse list), inner sizes with and without a tail shorter than a
     * vector: the GEMV's product equals the double-precision product of the stored halves.
     */
    @ParameterizedTest
    @ValueSource(ints = {64, 1030, 4096})
    void gemvIsExactForZerosAndSubnormalsInTheWeights(int inner) {
        int outputs = 37;
        Random random = new Random(inner);
        float[] raw = new float[outputs * inner];
        for (int i = 0; i < raw.length; i++) {
            double u = random.nextDouble();
            raw[i] = u < 0.004 ? 0f : u < 0.006 ? -0f
                    : u < 0.01 ? (float) (random.nextDouble(-6e-5, 6e-5)) // F16 subnormals
                    : (float) (0.02 * random.nextGaussian());
        }
        Weights w = Weights.of(arena, "w", DType.F16, outputs, inner, raw);
        Tensor weight = engine.weight(w.data);
        assertNotNull(ZeroExponentHalves.find(new ParallelLoop(1), (CpuTensor) weight), "the sparse list is used");
        for (int rows : new int[] {1, 3}) {
            float[] x = Weights.gaussian(rows * inner, random);
            Tensor out = engine.allocate(rows, outputs);
            engine.matmul(out, engine.upload(x, rows, inner), weight, null);
            float[] got = engine.download(out);
            for (int n = 0; n < rows; n++) {
                for (int o = 0; o < outputs; o++) {
                    double expected = 0;
                    double magnitude = 0;
                    for (int i = 0; i < inner; i++) {
                        expected += (double) x[n * inner + i] * w.values[o * inner + i];
                        magnitude += Math.abs(x[n * inner + i] * w.values[o * inner + i]);
                    }
                    assertEquals(expected, got[n * outputs + o], 1e-6 * magnitude + 1e-12, "out[" + n + "," + o + "]");
                }
            }
        }
    }

    @Test
    void aWeightOfMostlyZerosKeepsTheExactWidening() {
        float[] raw = new float[8 * 256];
        raw[5] = 1.5f;
        Weights w = Weights.of(arena, "w", DType.F16, 8, 256, raw);
        assertNull(ZeroExponentHalves.find(new ParallelLoop(1), (CpuTensor) engine.weight(w.data)));
        Tensor out = engine.allocate(1, 8);
        float[] x = new float[256];
        x[5] = 2f;
        engine.matmul(out, engine.upload(x, 1, 256), engine.weight(w.data), null);
        assertEquals(3f, engine.download(out)[0]);
        assertEquals(0f, engine.download(out)[1]);
    }
}
