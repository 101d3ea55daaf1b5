package dev.vllava.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.Tensor;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** RoPE fused with the KV-cache write gives what the two primitives give, into an F32 or an F16 cache. */
class CpuEngineRopeIntoTest {
    private final CpuEngine engine = new CpuEngine(2);

    @AfterEach
    void close() {
        engine.close();
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16"})
    void fusedRopeAndWriteEqualsRopeThenCopyBitForBit(DType cacheDtype) {
        int rows = 7;
        int heads = 2;
        int headDim = 16;
        int width = heads * headDim;
        float[] keys = Weights.gaussian(rows * width, new Random(5));
        Tensor fusedCache = engine.allocate(40, width, cacheDtype);
        Tensor primitivesCache = engine.allocate(40, width, cacheDtype);
        Tensor unrotated = engine.upload(keys, rows, width);

        engine.ropeInto(fusedCache.rowSlice(30, rows), unrotated, heads, headDim, 30, 10000.0);
        Tensor rotated = engine.upload(keys, rows, width);  // the interface's default: rope in place, then copy
        engine.rope(rotated, heads, headDim, 30, 10000.0);
        engine.copy(primitivesCache.rowSlice(30, rows), rotated);

        assertArrayEquals(engine.download(primitivesCache), engine.download(fusedCache));
        assertArrayEquals(keys, engine.download(unrotated), "the fused form leaves the keys as they were");
    }
}
