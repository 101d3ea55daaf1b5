package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * q|k|v as one stacked weight (same dtype) or as separate matmuls (mixed dtypes) must give the same
 * side-by-side outputs. Values are multiples of 1/64 below 2, exact in F16, so both paths compute
 * the same numbers.
 */
class StackedLinearTest {
    private static final int IN = 24;
    private final Random random = new Random(5);

    @Test
    void stackedAndSeparatePartsGiveTheSameOutputs() {
        try (Engine engine = new CpuEngine(1)) {
            float[][] weights = {values(8 * IN), values(4 * IN), values(4 * IN)};
            float[][] biases = {values(8), values(4), values(4)};
            List<TensorData> allF32 = List.of(tensor("q", DType.F32, weights[0], 8), tensor("k", DType.F32, weights[1], 4),
                    tensor("v", DType.F32, weights[2], 4));
            List<TensorData> mixed = List.of(tensor("q", DType.F16, weights[0], 8), allF32.get(1), allF32.get(2));
            List<TensorData> biasF32 = List.of(tensor("qb", DType.F32, biases[0], 0), tensor("kb", DType.F32, biases[1], 0),
                    tensor("vb", DType.F32, biases[2], 0));
            StackedLinear stacked = StackedLinear.of(engine, allF32, biasF32);
            StackedLinear separate = StackedLinear.of(engine, mixed, biasF32);
            assertEquals(16, stacked.outputs());
            assertEquals(16, separate.outputs());
            try (Tensor x = engine.upload(values(3 * IN), 3, IN); Tensor a = engine.allocate(3, 16); Tensor b = engine.allocate(3, 16)) {
                stacked.apply(a, x);
                separate.apply(b, x);
                double error = GoldenData.maxAbsDiff(engine.download(a), engine.download(b));
                assertTrue(error <= 1e-6, "stacked vs separate outputs differ by " + error);
            }
        }
    }

    private float[] values(int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (random.nextInt(256) - 128) / 64f;
        }
        return values;
    }

    /** rows == 0: a 1-D tensor. */
    private static TensorData tensor(String name, DType dtype, float[] values, int rows) {
        MemorySegment data = Arena.ofAuto().allocate((long) values.length * dtype.byteSize(), 8);
        for (int i = 0; i < values.length; i++) {
            if (dtype == DType.F32) {
                data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, values[i]);
            } else {
                data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(values[i]));
            }
        }
        long[] shape = rows == 0 ? new long[] {values.length} : new long[] {rows, values.length / rows};
        return new TensorData(name, dtype, shape, data);
    }
}
