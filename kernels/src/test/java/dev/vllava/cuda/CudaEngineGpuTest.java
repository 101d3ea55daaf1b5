package dev.vllava.cuda;

import static dev.vllava.cuda.TestTensors.assertClose;
import static dev.vllava.cuda.TestTensors.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.Activation;
import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Engine;
import dev.vllava.engine.KvBlockTable;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every CUDA operation against the CPU engine (the reference, FP32) on random inputs at real and odd
 * sizes. Skipped where there is no usable GPU. Tolerances are per operation, with the reason.
 */
@Tag("gpu")
class CudaEngineGpuTest {
    private static CpuEngine cpu;
    private static CudaEngine gpu;
    private final Arena arena = Arena.ofAuto();
    private final Random random = new Random(42);

    @BeforeAll
    static void engines() {
        gpu = Gpu.engine();
        cpu = new CpuEngine(Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    @AfterAll
    static void closeCpu() {
        if (cpu != null) {
            cpu.close();
        }
    }

    /** The same activation on both engines. */
    private record Both(Tensor cpu, Tensor gpu) {}

    private Both upload(float[] values, int rows, int columns) {
        return new Both(cpu.upload(values, rows, columns), gpu.upload(values, rows, columns));
    }

    private Both random(int rows, int columns) {
        return upload(gaussian(random, rows * columns, 1.0), rows, columns);
    }

    private Both weight(DType dtype, int rows, int columns, double scale) {
        var data = TestTensors.weight(arena, "w", dtype, rows, columns, gaussian(random, rows * columns, scale));
        return new Both(cpu.weight(data), gpu.weight(data));
    }

    private void compare(Both tensor, double absolute, double relative, String what) {
        assertClose(cpu.download(tensor.cpu()), gpu.download(tensor.gpu()), absolute, relative, what);
    }

    // ---- matmul ---------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} weights, {1} rows, {2} → {3}")
    @CsvSource({"F16,1,4096,4096", "F16,7,4096,11008", "BF16,8,11008,4096", "F16,257,1024,3072", "BF16,2056,1024,1024",
            "F32,7,64,96", "F32,257,1024,1024", "F16,9,96,40", "F16,3,100,24"})
    void matmulMatchesTheCpuEngine(DType dtype, int rows, int in, int out) {
        Both x = random(rows, in);
        Both w = weight(dtype, out, in, 1.0 / Math.sqrt(in));
        Both bias = weight(dtype, 1, out, 1.0);
        Both y = new Both(cpu.allocate(rows, out), gpu.allocate(rows, out));
        cpu.matmul(y.cpu(), x.cpu(), w.cpu(), bias.cpu());
        gpu.matmul(y.gpu(), x.gpu(), w.gpu(), bias.gpu());
        // GEMV (1..8 rows, F16/BF16) and F32 GEMMs keep x in FP32: only summation order differs.
        // Other F16/BF16 GEMMs round x to the weight's type for cuBLAS: ~2^-11 (F16) / 2^-8 (BF16) per term.
        boolean xRounded = dtype != DType.F32 && (rows > 8 || in % 8 != 0);
        double relative = !xRounded ? 2e-5 : dtype == DType.F16 ? 2e-3 : 1.5e-2;
        compare(y, 1e-5, relative, "matmul " + dtype + " " + rows + "x" + in + "→" + out);
    }

    @ParameterizedTest(name = "column view of stride {0}")
    @ValueSource(ints = {4096 + 8, 2 * 4096})
    void matmulReadsRowStridedViews(int stride) {
        Both wide = random(3, stride);
        Both w = weight(DType.F16, 512, 4096, 0.02);
        Both y = new Both(cpu.allocate(3, 512), gpu.allocate(3, 512));
        cpu.matmul(y.cpu(), wide.cpu().columnSlice(0, 4096), w.cpu(), null);
        gpu.matmul(y.gpu(), wide.gpu().columnSlice(0, 4096), w.gpu(), null);
        compare(y, 1e-5, 2e-5, "matmul on a view");
    }

    // ---- element-wise and norms ---------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activationsMatch(Activation fn) {
        Both x = random(7, 257);
        cpu.activate(x.cpu(), fn);
        gpu.activate(x.gpu(), fn);
        compare(x, 2e-6, 2e-6, fn + " (erff / expf vs the CPU engine's FP32 functions)");
    }

    @org.junit.jupiter.api.Test
    void addAndSiluGateMatchOnViews() {
        Both a = random(257, 300);
        Both b = random(257, 600);
        Both out = new Both(cpu.allocate(257, 300), gpu.allocate(257, 300));
        cpu.add(out.cpu(), a.cpu(), b.cpu().columnSlice(300, 300));
        gpu.add(out.gpu(), a.gpu(), b.gpu().columnSlice(300, 300));
        compare(out, 0, 0, "add is exact");
        cpu.siluGate(b.cpu().columnSlice(0, 300), b.cpu().columnSlice(0, 300), a.cpu());
        gpu.siluGate(b.gpu().columnSlice(0, 300), b.gpu().columnSlice(0, 300), a.gpu());
        compare(b, 1e-6, 1e-6, "siluGate in place on a view (__expf vs exp)");
    }

    @ParameterizedTest(name = "{0} weight, {1} columns")
    @CsvSource({"F32,64", "F16,4096", "BF16,4096", "F16,1023", "F32,1"})
    void normsMatch(DType dtype, int columns) {
        Both x = upload(gaussian(random, 7 * columns, 3.0), 7, columns);
        Both w = weight(dtype, 1, columns, 1.0);
        Both b = weight(dtype, 1, columns, 1.0);
        Both rms = new Both(cpu.allocate(7, columns), gpu.allocate(7, columns));
        cpu.rmsNorm(rms.cpu(), x.cpu(), w.cpu(), 1e-5f);
        gpu.rmsNorm(rms.gpu(), x.gpu(), w.gpu(), 1e-5f);
        compare(rms, 1e-5, 1e-5, "rmsNorm (FP32 sum order only)");
        cpu.layerNorm(x.cpu(), x.cpu(), w.cpu(), b.cpu(), 1e-5f);
        gpu.layerNorm(x.gpu(), x.gpu(), w.gpu(), b.gpu(), 1e-5f);
        compare(x, 1e-5, 1e-5, "layerNorm in place (two-pass variance on both)");
    }

    @org.junit.jupiter.api.Test
    void fusedResidualRmsNormEqualsAddThenNorm() {
        Both x = random(7, 4096);
        Both residual = random(7, 4096);
        Both w = weight(DType.F16, 1, 4096, 1.0);
        Both out = new Both(cpu.allocate(7, 4096), gpu.allocate(7, 4096));
        cpu.addRmsNorm(out.cpu(), residual.cpu(), x.cpu(), w.cpu(), 1e-5f);  // the Engine default: add, then norm
        gpu.addRmsNorm(out.gpu(), residual.gpu(), x.gpu(), w.gpu(), 1e-5f);  // one fused kernel
        compare(residual, 0, 0, "residual stream after the fused add");
        compare(out, 1e-5, 1e-5, "fused residual rmsNorm");
    }

    @ParameterizedTest(name = "head dim {0}, first position {1}")
    @CsvSource({"128,0", "128,2056", "64,4000", "16,7"})
    void ropeMatches(int headDim, int first) {
        int heads = 4;
        Both x = random(7, heads * headDim + 32);
        cpu.rope(x.cpu().columnSlice(0, heads * headDim), heads, headDim, first, 10000.0);
        gpu.rope(x.gpu().columnSlice(0, heads * headDim), heads, headDim, first, 10000.0);
        // Both engines form the angle as the float product position·invFreq[j] from RopeFrequencies' one
        // table, so the angles are equal even at position 4000; only cos/sin may differ (an ulp or two).
        compare(x, 2e-5, 0, "rope at positions " + first + " (the CPU's inv_freq table: equal angles)");
    }

    // ---- attention ------------------------------------------------------------------------------

    @ParameterizedTest(name = "full: {0} rows, {1} heads × {2}")
    @CsvSource({"1,4,64", "7,4,16", "257,16,64", "257,4,8", "33,2,80", "257,8,128"})
    void visionAttentionMatches(int rows, int heads, int headDim) {
        attention(rows, rows, AttentionShape.full(heads, headDim));
    }

    @ParameterizedTest(name = "causal: {0} queries after {1}, {2}/{3} heads × {4}")
    @CsvSource({"7,0,4,4,16", "257,0,32,32,128", "2096,0,8,8,128", "40,2056,8,8,128", "17,5,8,2,64",
            "1,2100,32,32,128", "1,4097,8,8,64", "1,2056,8,2,128", "3,2100,4,4,128", "1,100,4,4,64"})
    void causalAttentionMatches(int queries, int offset, int heads, int kvHeads, int headDim) {
        attention(queries, offset + queries, AttentionShape.causal(heads, kvHeads, headDim, offset));
    }

    private void attention(int queries, int keys, AttentionShape shape) {
        int qWidth = shape.heads() * shape.headDim();
        int kvWidth = shape.kvHeads() * shape.headDim();
        Both q = random(queries, qWidth);
        Both kv = random(keys, 2 * kvWidth);  // k and v as column views of one tensor, as the model slices qkv
        Both out = new Both(cpu.allocate(queries, qWidth), gpu.allocate(queries, qWidth));
        for (Engine engine : List.<Engine>of(cpu, gpu)) {
            Tensor kvT = engine == cpu ? kv.cpu() : kv.gpu();
            engine.attention(engine == cpu ? out.cpu() : out.gpu(), engine == cpu ? q.cpu() : q.gpu(),
                    kvT.columnSlice(0, kvWidth), kvT.columnSlice(kvWidth, kvWidth), shape);
        }
        // FP32 throughout; outputs are convex combinations of N(0,1) values: sum-order differences only.
        compare(out, 2e-5, 2e-5, "attention " + shape + " " + queries + "×" + keys);
    }

    /**
     * A paged KV cache's blocks read through the block table (the {@code *_paged} kernels), in F32 and in F16 (the
     * engine's KV dtype): the CPU engine's result over the same stored values within the contiguous tolerance,
     * and the GPU's contiguous result bit for bit (same kernel body, same order). Blocks of 16 rows, allocated in
     * reverse so that neighbours in the table are not in memory, the last one partly visible; decode (split-K)
     * and prefill (tiled) shapes.
     */
    @ParameterizedTest(name = "paged {5}: {0} queries after {1}, {2}/{3} heads × {4}")
    @CsvSource({"1,2100,32,32,128,F16", "1,2056,8,2,128,F16", "3,2100,4,4,128,F16", "1,100,4,4,64,F16",
            "17,2056,8,8,128,F16", "40,5,8,2,64,F16", "7,0,4,4,16,F16", "1,2100,32,32,128,F32", "17,2056,8,8,128,F32"})
    void pagedAttentionThroughTheBlockTableMatches(int queries, int offset, int heads, int kvHeads, int headDim, DType kvDtype) {
        AttentionShape shape = AttentionShape.causal(heads, kvHeads, headDim, offset);
        int keys = offset + queries;
        int kvWidth = kvHeads * headDim;
        int qWidth = heads * headDim;
        int blockRows = 16;
        Both q = random(queries, qWidth);
        Both k = random(keys, kvWidth);
        Both v = random(keys, kvWidth);
        Both paged = new Both(cpu.allocate(queries, qWidth), gpu.allocate(queries, qWidth));
        Tensor contiguous = gpu.allocate(queries, qWidth);
        Tensor gpuKeys = gpu.allocate(keys, kvWidth, kvDtype);
        Tensor gpuValues = gpu.allocate(keys, kvWidth, kvDtype);
        gpu.copy(gpuKeys, k.gpu());
        gpu.copy(gpuValues, v.gpu());
        gpu.attention(contiguous, q.gpu(), gpuKeys, gpuValues, shape);
        for (Engine engine : List.<Engine>of(cpu, gpu)) {
            boolean onCpu = engine == cpu;
            int count = Math.ceilDiv(keys, blockRows);
            Tensor[] keyBlocks = new Tensor[count];
            Tensor[] valueBlocks = new Tensor[count];
            for (int b = count - 1; b >= 0; b--) {
                int rows = Math.min(blockRows, keys - b * blockRows);
                Tensor block = engine.allocate(2 * blockRows, kvWidth, kvDtype);  // keys then values, as KvBlockPool lays them out
                engine.copy(block.rowSlice(0, rows), (onCpu ? k.cpu() : k.gpu()).rowSlice(b * blockRows, rows));
                engine.copy(block.rowSlice(blockRows, rows), (onCpu ? v.cpu() : v.gpu()).rowSlice(b * blockRows, rows));
                keyBlocks[b] = block.rowSlice(0, blockRows);
                valueBlocks[b] = block.rowSlice(blockRows, blockRows);
            }
            engine.attention(onCpu ? paged.cpu() : paged.gpu(), onCpu ? q.cpu() : q.gpu(),
                    new KvBlockTable(List.of(keyBlocks), List.of(valueBlocks), blockRows, keys), shape);
        }
        // Both engines read the same stored (F16-rounded) values and sum in FP32: sum-order differences only.
        compare(paged, 2e-5, 2e-5, "paged attention " + kvDtype + " " + shape + " " + queries + "×" + keys);
        assertArrayEquals(gpu.download(contiguous), gpu.download(paged.gpu()), "paged vs contiguous on the GPU");
    }

    /** F32 rows into an F16 cache round to nearest even, as the CPU engine rounds them; a copy between F16 tensors is exact. */
    @Test
    void copiesIntoAndBetweenF16TensorsMatchTheCpuEngine() {
        Both x = random(37, 96);
        Both half = new Both(cpu.allocate(37, 96, DType.F16), gpu.allocate(37, 96, DType.F16));
        Both again = new Both(cpu.allocate(37, 96, DType.F16), gpu.allocate(37, 96, DType.F16));
        for (Engine engine : List.<Engine>of(cpu, gpu)) {
            boolean onCpu = engine == cpu;
            engine.copy(onCpu ? half.cpu() : half.gpu(), onCpu ? x.cpu() : x.gpu());
            engine.copy(onCpu ? again.cpu() : again.gpu(), onCpu ? half.cpu() : half.gpu());
        }
        compare(again, 0, 0, "F32 → F16 → F16");
    }

    // ---- lookups, token choice, storage ---------------------------------------------------------

    @ParameterizedTest
    @EnumSource(DType.class)
    void embeddingLookupIsExact(DType dtype) {
        Both table = weight(dtype, 1024, 96, 1.0);
        int[] ids = {5, 0, 1023, 5, 77, 512, 3};
        Both out = new Both(cpu.allocate(ids.length, 96), gpu.allocate(ids.length, 96));
        cpu.embed(out.cpu(), table.cpu(), ids);
        gpu.embed(out.gpu(), table.gpu(), ids);
        compare(out, 0, 0, "embed " + dtype);
    }

    @org.junit.jupiter.api.Test
    void argmaxTakesTheFirstMaximumLikeTorch() {
        float[] logits = gaussian(random, 32064, 1.0);
        logits[31000] = 9f;
        logits[12345] = 9f;
        Tensor row = gpu.upload(logits, 1, logits.length);
        assertEquals(12345, gpu.argmax(row));
        assertEquals(cpu.argmax(cpu.upload(logits, 1, logits.length)), gpu.argmax(row));
    }

    @org.junit.jupiter.api.Test
    void samplingAtTinyTemperatureIsGreedyAndCoversTheRange() {
        float[] logits = gaussian(random, 32064, 1.0);
        logits[777] = 20f;
        Tensor row = gpu.upload(logits, 1, logits.length);
        assertEquals(777, gpu.sample(row, 1e-3f, 0.5f));
        float[] flat = new float[1000];
        Tensor uniform = gpu.upload(flat, 1, flat.length);
        assertEquals(0, gpu.sample(uniform, 1f, 0f));
        assertEquals(500, gpu.sample(uniform, 1f, 0.5005f));
        assertEquals(999, gpu.sample(uniform, 1f, 0.99999f));
    }

    @org.junit.jupiter.api.Test
    void weightsDownloadAsStoredAndRowsStack() {
        float[] a = gaussian(random, 3 * 16, 1.0);
        float[] b = gaussian(random, 5 * 16, 1.0);
        var partA = TestTensors.weight(arena, "a", DType.F16, 3, 16, a);
        var partB = TestTensors.weight(arena, "b", DType.F16, 5, 16, b);
        Tensor stacked = gpu.weightRows(List.of(partA, partB));
        float[] expected = new float[8 * 16];
        for (int i = 0; i < a.length; i++) {
            expected[i] = Float.float16ToFloat(Float.floatToFloat16(a[i]));
        }
        for (int i = 0; i < b.length; i++) {
            expected[a.length + i] = Float.float16ToFloat(Float.floatToFloat16(b[i]));
        }
        assertArrayEquals(expected, gpu.download(stacked));
        assertArrayEquals(cpu.download(cpu.weightRows(List.of(partA, partB))), gpu.download(stacked));
    }

    @org.junit.jupiter.api.Test
    void copyAndDownloadOfStridedViews() {
        Both source = random(9, 40);
        Both target = new Both(cpu.allocate(9, 60), gpu.allocate(9, 60));
        cpu.copy(target.cpu().columnSlice(10, 40).rowSlice(2, 5), source.cpu().rowSlice(4, 5));
        gpu.copy(target.gpu().columnSlice(10, 40).rowSlice(2, 5), source.gpu().rowSlice(4, 5));
        compare(target, 0, 0, "copy into a view");
        assertArrayEquals(cpu.download(target.cpu().columnSlice(3, 7)), gpu.download(target.gpu().columnSlice(3, 7)));
    }

    @org.junit.jupiter.api.Test
    void aDecodeLoopTakesNoNewDeviceMemoryAfterTheFirstStep() {
        Both w = weight(DType.F16, 4096, 4096, 0.02);
        for (int step = 0; step < 20; step++) {
            try (Tensor x = gpu.allocate(1, 4096); Tensor y = gpu.allocate(1, 4096)) {
                gpu.matmul(y, x, w.gpu(), null);
            }
            if (step == 0) {
                gpu.synchronize();
            }
        }
        long reserved = gpu.arena().reservedBytes();
        for (int step = 0; step < 20; step++) {
            try (Tensor x = gpu.allocate(1, 4096); Tensor y = gpu.allocate(1, 4096)) {
                gpu.matmul(y, x, w.gpu(), null);
            }
        }
        assertEquals(reserved, gpu.arena().reservedBytes(), "no cuMemAlloc per token");
    }
}
