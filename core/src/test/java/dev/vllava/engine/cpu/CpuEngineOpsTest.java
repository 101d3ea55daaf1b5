package dev.vllava.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.Activation;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CpuEngineOpsTest {

    private final Arena arena = Arena.ofShared();
    private final CpuEngine engine = new CpuEngine(2);
    private final Random random = new Random(11);

    @AfterEach
    void close() {
        engine.close();
        arena.close();
    }

    @Test
    void rmsNormInPlaceWithF16Weight() {
        int rows = 5;
        int columns = 1031;
        float[] x = scaled(Weights.gaussian(rows * columns, random), 3f);
        Weights w = Weights.random(arena, "norm", DType.F16, 1, columns, random);
        Tensor t = engine.upload(x, rows, columns);
        engine.rmsNorm(t, t, engine.weight(w.data), 1e-6f);
        float[] got = engine.download(t);
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < columns; c++) {
                sum += (double) x[r * columns + c] * x[r * columns + c];
            }
            double scale = 1 / Math.sqrt(sum / columns + 1e-6);
            for (int c = 0; c < columns; c++) {
                assertEquals(x[r * columns + c] * scale * w.values[c], got[r * columns + c], 3e-6, "rmsNorm");
            }
        }
    }

    @Test
    void layerNormOfColumnSliceWithBf16Parameters() {
        int rows = 4;
        int columns = 133;
        float[] wide = Weights.gaussian(rows * (columns + 3), random);
        for (int i = 0; i < wide.length; i++) {
            wide[i] = wide[i] * 2 + 5; // a large mean, to check the variance is centred
        }
        Weights w = Weights.random(arena, "w", DType.BF16, 1, columns, random);
        Weights b = Weights.random(arena, "b", DType.BF16, 1, columns, random);
        Tensor x = engine.upload(wide, rows, columns + 3).columnSlice(2, columns);
        Tensor out = engine.allocate(rows, columns);
        engine.layerNorm(out, x, engine.weight(w.data), engine.weight(b.data), 1e-5f);
        float[] got = engine.download(out);
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int c = 0; c < columns; c++) {
                mean += wide[r * (columns + 3) + 2 + c];
            }
            mean /= columns;
            double variance = 0;
            for (int c = 0; c < columns; c++) {
                double dev = wide[r * (columns + 3) + 2 + c] - mean;
                variance += dev * dev;
            }
            variance /= columns; // biased, as torch's LayerNorm
            for (int c = 0; c < columns; c++) {
                double expected = (wide[r * (columns + 3) + 2 + c] - mean) / Math.sqrt(variance + 1e-5)
                        * w.values[c] + b.values[c];
                assertEquals(expected, got[r * columns + c], 5e-6, "layerNorm");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activationsMatchTheirDefinitions(Activation fn) {
        int count = 1601;
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = -10f + 20f * i / (count - 1);
        }
        Tensor t = engine.upload(x, 1, count);
        engine.activate(t, fn);
        float[] got = engine.download(t);
        for (int i = 0; i < count; i++) {
            double v = x[i];
            double expected = switch (fn) {
                case GELU -> 0.5 * v * (1 + Erf.series(Math.abs(v) / Math.sqrt(2)) * Math.signum(v));
                case GELU_TANH -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                case QUICK_GELU -> v / (1 + Math.exp(-1.702 * v));
                case SILU -> v / (1 + Math.exp(-v));
            };
            assertEquals(expected, got[i], 1e-6 * (1 + Math.abs(expected)), fn + " at " + v);
        }
    }

    @Test
    void erfIsAccurateToBetterThan1e7() {
        assertEquals(0.5204998778130465, Erf.erf(0.5), 1e-12);
        assertEquals(0.8427007929497149, Erf.erf(1.0), 1e-12);
        assertEquals(-0.9953222650189527, Erf.erf(-2.0), 1e-12);
        assertEquals(0.9999992569016276, Erf.erf(3.5), 1e-12);
        assertEquals(0.9999999845827421, Erf.series(4.0), 1e-15);
        double worst = 0;
        for (int i = -700_000; i <= 700_000; i++) {
            double x = i * 1e-5 + 0.3e-5;
            worst = Math.max(worst, Math.abs(Erf.erf(x) - Math.copySign(Erf.series(Math.abs(x)), x)));
        }
        assertTrue(worst < 1e-8, "erf interpolation error " + worst + " must stay far below 1e-7");
        assertEquals(1.0, Erf.erf(50), 0);
    }

    @Test
    void siluGateAliasingGate() {
        float[] gate = Weights.gaussian(3 * 21, random);
        float[] up = Weights.gaussian(3 * 21, random);
        Tensor g = engine.upload(gate, 3, 21);
        engine.siluGate(g, g, engine.upload(up, 3, 21));
        float[] got = engine.download(g);
        for (int i = 0; i < gate.length; i++) {
            assertEquals(gate[i] / (1 + Math.exp(-gate[i])) * up[i], got[i], 1e-6);
        }
    }

    @Test
    void ropeRotatesHalvesAtLaterPositions() {
        int heads = 3;
        int headDim = 8;
        int rows = 4;
        int first = 37;
        float[] x = Weights.gaussian(rows * (heads * headDim + 2), random);
        Tensor wide = engine.upload(x, rows, heads * headDim + 2);
        engine.rope(wide.columnSlice(2, heads * headDim), heads, headDim, first, 10000.0);
        float[] got = engine.download(wide);
        int width = heads * headDim + 2;
        for (int r = 0; r < rows; r++) {
            assertEquals(x[r * width], got[r * width], 0f, "columns outside the view stay");
            for (int h = 0; h < heads; h++) {
                for (int j = 0; j < headDim / 2; j++) {
                    double angle = (first + r) * Math.pow(10000.0, -2.0 * j / headDim);
                    int a = r * width + 2 + h * headDim + j;
                    int b = a + headDim / 2;
                    double expectedA = x[a] * Math.cos(angle) - x[b] * Math.sin(angle);
                    double expectedB = x[b] * Math.cos(angle) + x[a] * Math.sin(angle);
                    // The reference rounds the angle to float like transformers: ~40·6e-8 rad.
                    assertEquals(expectedA, got[a], 2e-5, "rope first half");
                    assertEquals(expectedB, got[b], 2e-5, "rope second half");
                }
            }
        }
    }

    /**
     * transformers computes the angle in float32 (inv_freq and position·inv_freq both rounded to
     * float); at position 1000 that rounding moves the angle by up to ~6e-5 rad, so the reference
     * rounds the same way and the tolerance can be tight.
     */
    @Test
    void ropeMatchesTransformersFloatAnglesOnLongHeads() {
        int heads = 2;
        int headDim = 128;
        int rows = 3;
        int first = 1000;
        float[] x = Weights.gaussian(rows * heads * headDim, random);
        Tensor t = engine.upload(x, rows, heads * headDim);
        engine.rope(t, heads, headDim, first, 10000.0);
        float[] got = engine.download(t);
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                for (int j = 0; j < headDim / 2; j++) {
                    float invFreq = 1.0f / (float) Math.pow(10000.0, (float) (2 * j) / (float) headDim);
                    double angle = (float) (first + r) * invFreq;
                    int a = r * heads * headDim + h * headDim + j;
                    int b = a + headDim / 2;
                    assertEquals(x[a] * Math.cos(angle) - x[b] * Math.sin(angle), got[a], 1e-6, "rope first half");
                    assertEquals(x[b] * Math.cos(angle) + x[a] * Math.sin(angle), got[b], 1e-6, "rope second half");
                }
            }
        }
    }

    @Test
    void addReadsF16OperandAndAliasesOutput() {
        Weights pos = Weights.random(arena, "pos", DType.F16, 6, 9, random);
        float[] a = Weights.gaussian(4 * 9, random);
        Tensor t = engine.upload(a, 4, 9);
        engine.add(t, t, engine.weight(pos.data).rowSlice(2, 4));
        float[] got = engine.download(t);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i] + pos.values[18 + i], got[i], 1e-6);
        }
    }

    @Test
    void embedAndCopyConvertStoredDtypes() {
        Weights table = Weights.random(arena, "embed", DType.BF16, 10, 7, random);
        Tensor out = engine.allocate(3, 7);
        engine.embed(out, engine.weight(table.data), new int[] {9, 0, 9});
        float[] got = engine.download(out);
        for (int c = 0; c < 7; c++) {
            assertEquals(table.values[63 + c], got[c], 0);
            assertEquals(table.values[c], got[7 + c], 0);
        }
        Tensor copy = engine.allocate(2, 7);
        engine.copy(copy, engine.weight(table.data).rowSlice(4, 2));
        float[] copied = engine.download(copy);
        for (int i = 0; i < 14; i++) {
            assertEquals(table.values[28 + i], copied[i], 0);
        }
    }

    @Test
    void argmaxTakesTheFirstOfEqualMaxima() {
        Tensor row = engine.upload(new float[] {1, 5, -2, 5, 3}, 1, 5);
        assertEquals(1, engine.argmax(row));
        Tensor two = engine.upload(new float[] {0, 1, 9, 7, 3, 4}, 2, 3);
        assertEquals(0, engine.argmax(two.rowSlice(1, 1)));
    }

    @Test
    void memoryUseCountsAllocationsAndRecyclesClosedBuffers() {
        assertEquals(0, engine.memoryUse().currentBytes());
        Tensor a = engine.allocate(100, 10);
        Tensor b = engine.upload(new float[50], 5, 10);
        assertEquals(4032 + 256, engine.memoryUse().currentBytes(), "sizes round up to 64 bytes");
        engine.copy(a, engine.upload(new float[1000], 100, 10));
        engine.add(a, a, engine.upload(filled(1000, 2f), 100, 10));
        a.close();
        a.rowSlice(0, 1).close(); // views own nothing
        a.close(); // closing twice is harmless
        Tensor again = engine.allocate(10, 100);
        assertArrayEquals(new float[1000], engine.download(again), "a recycled buffer comes back zeroed");
        long held = engine.memoryUse().currentBytes();
        again.close();
        b.close();
        assertEquals(held, engine.memoryUse().currentBytes(), "closed small buffers stay held for reuse");
        assertEquals(held, engine.memoryUse().peakBytes());
        Tensor big = engine.allocate(3000, 1000); // 12 MB: beyond the recycled sizes
        assertEquals(held + 12_000_000, engine.memoryUse().currentBytes());
        big.close();
        assertEquals(held, engine.memoryUse().currentBytes(), "large buffers are freed at once");
        assertEquals(held + 12_000_000, engine.memoryUse().peakBytes());
    }

    private static float[] filled(int count, float value) {
        float[] values = new float[count];
        java.util.Arrays.fill(values, value);
        return values;
    }

    @Test
    void downloadOfViewIsCompact() {
        Tensor t = engine.upload(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new float[] {2, 3, 5, 6}, engine.download(t.columnSlice(1, 2)));
        assertArrayEquals(new float[] {4, 5, 6}, engine.download(t.rowSlice(1, 1)));
    }

    private static float[] scaled(float[] values, float factor) {
        for (int i = 0; i < values.length; i++) {
            values[i] *= factor;
        }
        return values;
    }
}
