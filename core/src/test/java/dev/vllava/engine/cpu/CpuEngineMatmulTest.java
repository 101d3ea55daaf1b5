package dev.vllava.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.Activation;
import dev.vllava.engine.Tensor;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CpuEngineMatmulTest {

    private final Arena arena = Arena.ofShared();
    private final CpuEngine engine = new CpuEngine(2);

    @AfterEach
    void close() {
        engine.close();
        arena.close();
    }

    /**
     * Sizes cover the decode path (1-3 rows), the blocked path (many rows, partial row and column
     * tiles, more rows than one row block: 545 rows are two blocks of 288 and 257) and inner sizes that are not a multiple of any vector width.
     */
    @ParameterizedTest
    @CsvSource({
        "F32, 1, 37, 19", "F16, 1, 37, 19", "BF16, 1, 37, 19",
        "F32, 3, 300, 70", "F16, 3, 300, 70", "BF16, 3, 300, 70",
        "F32, 67, 131, 45", "F16, 67, 131, 45", "BF16, 67, 131, 45",
        "F16, 70, 520, 97", "F32, 9, 16, 33", "F16, 130, 1030, 40", "BF16, 20, 300, 300", "F16, 8, 64, 600",
        "F16, 300, 70, 13", "BF16, 257, 600, 7", "F16, 545, 40, 50"
    })
    void matmulMatchesDoubleReferenceOnStridedViews(DType dtype, int rows, int inner, int outputs) {
        Random random = new Random(rows * 1000L + inner + outputs);
        Weights w = Weights.random(arena, "w", dtype, outputs, inner, random);
        Weights bias = Weights.random(arena, "b", dtype, 1, outputs, random);
        // x is a column window of a wider tensor and out a column window too: both have row stride.
        float[] wide = Weights.gaussian(rows * (inner + 5), random);
        Tensor xWide = engine.upload(wide, rows, inner + 5);
        Tensor x = xWide.columnSlice(3, inner);
        Tensor outWide = engine.allocate(rows, outputs + 4);
        Tensor out = outWide.columnSlice(1, outputs);

        engine.matmul(out, x, engine.weight(w.data), engine.weight(bias.data));

        float[] got = engine.download(out);
        double scale = Math.sqrt(inner);
        for (int n = 0; n < rows; n++) {
            for (int o = 0; o < outputs; o++) {
                double expected = bias.values[o];
                for (int i = 0; i < inner; i++) {
                    expected += (double) wide[n * (inner + 5) + 3 + i] * w.values[o * inner + i];
                }
                // float accumulation over `inner` terms of size ~1: error grows like sqrt(inner)·ulp.
                assertEquals(expected, got[n * outputs + o], 2e-6 * scale * (1 + Math.abs(expected)),
                        "out[" + n + "," + o + "] for " + dtype);
            }
        }
        float[] outside = engine.download(outWide.columnSlice(0, 1));
        for (float v : outside) {
            assertEquals(0f, v, "matmul must not write outside the output view");
        }
    }

    @Test
    void stackedWeightsAndBiasesEqualSeparateProducts() {
        Random random = new Random(7);
        int rows = 5;
        int inner = 40;
        Weights q = Weights.random(arena, "q", DType.F16, 12, inner, random);
        Weights k = Weights.random(arena, "k", DType.F16, 8, inner, random);
        Weights qb = Weights.random(arena, "qb", DType.F16, 1, 12, random);
        Weights kb = Weights.random(arena, "kb", DType.F16, 1, 8, random);
        Tensor x = engine.upload(Weights.gaussian(rows * inner, random), rows, inner);
        Tensor stacked = engine.weightRows(List.of(q.data, k.data));
        assertEquals(20, stacked.rows());
        Tensor fused = engine.allocate(rows, 20);
        engine.matmul(fused, x, stacked, engine.weightRows(List.of(qb.data, kb.data)));
        Tensor qOut = engine.allocate(rows, 12);
        Tensor kOut = engine.allocate(rows, 8);
        engine.matmul(qOut, x, engine.weight(q.data), engine.weight(qb.data));
        engine.matmul(kOut, x, engine.weight(k.data), engine.weight(kb.data));
        assertArrayClose(engine.download(qOut), engine.download(fused.columnSlice(0, 12)));
        assertArrayClose(engine.download(kOut), engine.download(fused.columnSlice(12, 8)));
    }

    @Test
    void matmulWithoutBiasOfRowSliceView() {
        Random random = new Random(3);
        Weights w = Weights.random(arena, "w", DType.F32, 6, 10, random);
        float[] all = Weights.gaussian(4 * 10, random);
        Tensor x = engine.upload(all, 4, 10).rowSlice(1, 2);
        Tensor out = engine.allocate(2, 6);
        engine.matmul(out, x, engine.weight(w.data), null);
        float[] got = engine.download(out);
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < 6; o++) {
                double expected = 0;
                for (int i = 0; i < 10; i++) {
                    expected += (double) all[(n + 1) * 10 + i] * w.values[o * 10 + i];
                }
                assertEquals(expected, got[n * 6 + o], 1e-5);
            }
        }
    }

    @Test
    void aBlockedMatmulRowDoesNotDependOnTheRowsBesideIt() {
        Random random = new Random(4);
        int inner = 600;
        int outputs = 50;
        Tensor weight = engine.weight(Weights.random(arena, "w", DType.F16, outputs, inner, random).data);
        float[] x = Weights.gaussian(600 * inner, random);
        try (Tensor all = engine.upload(x, 600, inner); Tensor out = engine.allocate(600, outputs);
             Tensor some = engine.allocate(20, outputs)) {
            engine.matmul(out, all, weight, null);
            engine.matmul(some, all.rowSlice(310, 20), weight, null);
            assertArrayEquals(engine.download(out.rowSlice(310, 20)), engine.download(some),
                    "rows 310-329 of a 600-row product (across its two row blocks of 320) against the same 20 rows alone");
        }
        try (Tensor all = engine.upload(x, 600, inner).rowSlice(0, 257); Tensor out = engine.allocate(257, outputs);
             Tensor some = engine.allocate(16, outputs)) {
            engine.matmul(out, all, weight, null);
            engine.matmul(some, all.rowSlice(241, 16), weight, null);
            assertArrayEquals(engine.download(out.rowSlice(241, 16)), engine.download(some),
                    "rows 241-256 of a 257-row product (two panels, the second 1 row) against the same 16 rows alone");
        }
    }

    /** Outputs of 100 and 200 are not whole strip groups (48) nor vectors (16): the activation's scalar tail must fall where a row pass puts it. */
    @ParameterizedTest
    @CsvSource({
        "QUICK_GELU, 70, 100", "GELU, 70, 100", "GELU_TANH, 70, 200", "SILU, 70, 200",
        "QUICK_GELU, 3, 100", "GELU, 600, 50"
    })
    void fusedActivationEqualsMatmulThenActivateBitForBit(Activation fn, int rows, int outputs) {
        Random random = new Random(rows + outputs);
        int inner = 90;
        Tensor weight = engine.weight(Weights.random(arena, "w", DType.F16, outputs, inner, random).data);
        Tensor bias = engine.weight(Weights.random(arena, "b", DType.F32, 1, outputs, random).data);
        try (Tensor x = engine.upload(Weights.gaussian(rows * inner, random), rows, inner);
             Tensor fused = engine.allocate(rows, outputs); Tensor separate = engine.allocate(rows, outputs)) {
            engine.matmulActivate(fused, x, weight, bias, fn);
            engine.matmul(separate, x, weight, bias);
            engine.activate(separate, fn);
            assertArrayEquals(engine.download(separate), engine.download(fused), fn + " over " + rows + " rows");
        }
    }

    private static void assertArrayClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-5f * (1 + Math.abs(expected[i])),
                    "element " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }
}
