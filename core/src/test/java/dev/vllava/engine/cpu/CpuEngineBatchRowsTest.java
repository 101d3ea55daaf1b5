package dev.vllava.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.Tensor;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What batched decoding relies on: for up to {@link CpuEngine#rowIndependentMatmulRows()} input rows, each row of a
 * matmul is bit for bit the product of that row alone, so B sequences stepping together get exactly the
 * logits each would get on its own.
 */
class CpuEngineBatchRowsTest {
    private final Arena arena = Arena.ofShared();
    private final CpuEngine engine = new CpuEngine(2);

    @AfterEach
    void close() {
        engine.close();
        arena.close();
    }

    @ParameterizedTest
    @CsvSource({"F32, 37, 19", "F16, 300, 70", "BF16, 131, 45", "F16, 64, 600", "F32, 1030, 40"})
    void eachRowOfAFewRowMatmulEqualsThatRowAlone(DType dtype, int inner, int outputs) {
        Random random = new Random(inner * 31L + outputs);
        Weights w = Weights.random(arena, "w", dtype, outputs, inner, random);
        Tensor weight = engine.weight(w.data);
        for (int rows = 1; rows <= engine.rowIndependentMatmulRows(); rows++) {
            float[] x = Weights.gaussian(rows * inner, random);
            try (Tensor input = engine.upload(x, rows, inner); Tensor out = engine.allocate(rows, outputs)) {
                engine.matmul(out, input, weight, null);
                for (int r = 0; r < rows; r++) {
                    try (Tensor alone = engine.allocate(1, outputs)) {
                        engine.matmul(alone, input.rowSlice(r, 1), weight, null);
                        assertArrayEquals(engine.download(alone), engine.download(out.rowSlice(r, 1)),
                                "row " + r + " of " + rows + " (" + dtype + ", inner " + inner + ")");
                    }
                }
            }
        }
    }
}
