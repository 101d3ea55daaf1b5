package dev.vllava.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.KvBlockTable;
import dev.vllava.engine.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CpuEngineAttentionTest {

    private final CpuEngine engine = new CpuEngine(2);

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void causalGroupedQueryAttentionMatchesReference() {
        check(AttentionShape.causal(4, 2, 6, 0), 9, 9);
    }

    @Test
    void decodeStepSeesTheWholeCache() {
        // One query row at position 6 over 7 cached keys (KV-cache decode).
        check(AttentionShape.causal(4, 2, 6, 6), 1, 7);
    }

    @Test
    void decodeOverManyKeyChunksMatchesReference() {
        // 200 keys = four DecodeAttention chunks merged; a head size that is not a whole number of vectors.
        check(AttentionShape.causal(4, 2, 40, 199), 1, 200);
        // Five rows: row 0 sees 127 keys, so the third chunk (keys 128..130) is only the later rows'.
        check(AttentionShape.causal(4, 2, 32, 126), 5, 131);
    }

    @Test
    void decodeGivesTheSameBitsForAnyThreadCount() {
        AttentionShape shape = AttentionShape.causal(8, 8, 64, 299);
        Random random = new Random(300);
        float[] q = Weights.gaussian(8 * 64, random);
        float[] k = Weights.gaussian(300 * 8 * 64, random);
        float[] v = Weights.gaussian(300 * 8 * 64, random);
        float[] twoThreads = decode(engine, shape, q, k, v);
        try (CpuEngine oneThread = new CpuEngine(1)) {
            assertArrayEquals(decode(oneThread, shape, q, k, v), twoThreads);
        }
    }

    private static float[] decode(CpuEngine on, AttentionShape shape, float[] q, float[] k, float[] v) {
        int width = shape.kvHeads() * shape.headDim();
        Tensor out = on.allocate(1, q.length);
        on.attention(out, on.upload(q, 1, q.length), on.upload(k, k.length / width, width),
                on.upload(v, v.length / width, width), shape);
        return on.download(out);
    }

    @Test
    void prefillAttentionDoesNotDependOnWhatTheThreadAttendedBefore() {
        // The transposed keys and packed values are reused per calling thread: a short context after a long
        // one (larger copies, other data) must give the bits it gives first.
        AttentionShape shortShape = AttentionShape.causal(4, 2, 32, 0);
        Random random = new Random(21);
        float[] q = Weights.gaussian(10 * 4 * 32, random);
        float[] k = Weights.gaussian(10 * 2 * 32, random);
        float[] v = Weights.gaussian(10 * 2 * 32, random);
        float[] first = prefill(shortShape, q, k, v);
        prefill(AttentionShape.causal(4, 2, 32, 0), Weights.gaussian(90 * 4 * 32, random),
                Weights.gaussian(90 * 2 * 32, random), Weights.gaussian(90 * 2 * 32, random));
        assertArrayEquals(first, prefill(shortShape, q, k, v));
    }

    private float[] prefill(AttentionShape shape, float[] q, float[] k, float[] v) {
        int rows = q.length / (shape.heads() * shape.headDim());
        int width = shape.kvHeads() * shape.headDim();
        Tensor out = engine.allocate(rows, shape.heads() * shape.headDim());
        engine.attention(out, engine.upload(q, rows, q.length / rows), engine.upload(k, rows, width),
                engine.upload(v, rows, width), shape);
        return engine.download(out);
    }

    @Test
    void chunkedPrefillAfterCachedTokens() {
        check(AttentionShape.causal(4, 2, 10, 5), 3, 8);
    }

    @Test
    void longChunkAfterCachedTokensUsesTransposedKeys() {
        // 10 queries (the packed-keys path) at positions 5..14 over 15 keys, grouped heads.
        check(AttentionShape.causal(4, 2, 32, 5), 10, 15);
    }

    @Test
    void fullAttentionSeesEveryKey() {
        check(AttentionShape.full(3, 8), 11, 11);
    }

    @Test
    void longHeadsAndManyKeys() {
        check(AttentionShape.causal(2, 1, 128, 0), 70, 70);
        check(AttentionShape.full(2, 64), 33, 33);
    }

    /**
     * Keys and values in blocks scattered over memory (in reverse allocation order, the last one partly
     * visible), read through the table, give the contiguous call's output bit for bit: decode (key chunks
     * merged, rows read in place), a short chunk, and a long prefill chunk (transposed keys, packed values).
     */
    @ParameterizedTest
    @CsvSource({"1, 37, 16", "3, 40, 16", "20, 53, 16", "1, 16, 16", "5, 9, 4", "17, 17, 64", "1, 200, 16", "5, 131, 16"})
    void attentionThroughABlockTableEqualsTheContiguousRowsBitForBit(int queries, int keys, int blockRows) {
        AttentionShape shape = AttentionShape.causal(4, 2, 32, keys - queries);
        Random random = new Random(keys * 7L + queries);
        int kvWidth = shape.kvHeads() * shape.headDim();
        int qWidth = shape.heads() * shape.headDim();
        Tensor q = engine.upload(Weights.gaussian(queries * qWidth, random), queries, qWidth);
        Tensor k = engine.upload(Weights.gaussian(keys * kvWidth, random), keys, kvWidth);
        Tensor v = engine.upload(Weights.gaussian(keys * kvWidth, random), keys, kvWidth);
        Tensor contiguous = engine.allocate(queries, qWidth);
        engine.attention(contiguous, q, k, v, shape);

        int count = Math.ceilDiv(keys, blockRows);
        List<Tensor> keyBlocks = new ArrayList<>(Collections.nCopies(count, null));
        List<Tensor> valueBlocks = new ArrayList<>(Collections.nCopies(count, null));
        for (int b = count - 1; b >= 0; b--) {
            int rows = Math.min(blockRows, keys - b * blockRows);
            Tensor kv = engine.allocate(2 * blockRows, kvWidth);
            engine.copy(kv.rowSlice(0, rows), k.rowSlice(b * blockRows, rows));
            engine.copy(kv.rowSlice(blockRows, rows), v.rowSlice(b * blockRows, rows));
            keyBlocks.set(b, kv.rowSlice(0, blockRows));
            valueBlocks.set(b, kv.rowSlice(blockRows, blockRows));
        }
        Tensor paged = engine.allocate(queries, qWidth);
        engine.attention(paged, q, new KvBlockTable(keyBlocks, valueBlocks, blockRows, keys), shape);

        assertArrayEquals(engine.download(contiguous), engine.download(paged));
    }

    /**
     * An F16 cache (the KV dtype of half-precision checkpoints): attention over F16 keys and values, in one
     * tensor or in blocks, is the F32 attention over the same values rounded to F16, bit for bit, on the
     * decode path (values read in place) and the prefill path (keys transposed, values packed).
     */
    @ParameterizedTest
    @CsvSource({"1, 37", "3, 40", "20, 53"})
    void f16KeysAndValuesAreReadAsTheirF32Values(int queries, int keys) {
        AttentionShape shape = AttentionShape.causal(4, 2, 32, keys - queries);
        Random random = new Random(keys * 13L + queries);
        int kvWidth = shape.kvHeads() * shape.headDim();
        int qWidth = shape.heads() * shape.headDim();
        float[] keyValues = roundedToF16(Weights.gaussian(keys * kvWidth, random));
        float[] valueValues = roundedToF16(Weights.gaussian(keys * kvWidth, random));
        Tensor q = engine.upload(Weights.gaussian(queries * qWidth, random), queries, qWidth);
        Tensor expected = engine.allocate(queries, qWidth);
        engine.attention(expected, q, engine.upload(keyValues, keys, kvWidth), engine.upload(valueValues, keys, kvWidth), shape);

        Tensor k = engine.allocate(keys, kvWidth, DType.F16);
        Tensor v = engine.allocate(keys, kvWidth, DType.F16);
        engine.copy(k, engine.upload(keyValues, keys, kvWidth));
        engine.copy(v, engine.upload(valueValues, keys, kvWidth));
        Tensor contiguous = engine.allocate(queries, qWidth);
        engine.attention(contiguous, q, k, v, shape);
        Tensor paged = engine.allocate(queries, qWidth);
        int blockRows = 16;
        List<Tensor> keyBlocks = new ArrayList<>();
        List<Tensor> valueBlocks = new ArrayList<>();
        for (int first = 0; first < keys; first += blockRows) {
            int rows = Math.min(blockRows, keys - first);
            Tensor kBlock = engine.allocate(blockRows, kvWidth, DType.F16);
            Tensor vBlock = engine.allocate(blockRows, kvWidth, DType.F16);
            engine.copy(kBlock.rowSlice(0, rows), k.rowSlice(first, rows));
            engine.copy(vBlock.rowSlice(0, rows), v.rowSlice(first, rows));
            keyBlocks.add(kBlock);
            valueBlocks.add(vBlock);
        }
        engine.attention(paged, q, new KvBlockTable(keyBlocks, valueBlocks, blockRows, keys), shape);

        assertArrayEquals(engine.download(expected), engine.download(contiguous), "F16 tensor");
        assertArrayEquals(engine.download(expected), engine.download(paged), "F16 blocks");
    }

    @Test
    void copyIntoF16RoundsToNearestEvenAndReadsBackExactly() {
        float[] values = {1f, 1f + 0x1p-11f, 1f + 0x1p-10f + 0x1p-11f, -65504f, 3.1415927f, 1e-6f};
        Tensor half = engine.allocate(1, values.length, DType.F16);
        engine.copy(half, engine.upload(values, 1, values.length));
        assertArrayEquals(roundedToF16(values), engine.download(half));
    }

    private static float[] roundedToF16(float[] values) {
        float[] rounded = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            rounded[i] = Float.float16ToFloat(Float.floatToFloat16(values[i]));
        }
        return rounded;
    }

    /** q, k, v are column windows of one fused qkv activation, as the model slices them. */
    private void check(AttentionShape shape, int queries, int keys) {
        Random random = new Random(queries * 31L + keys);
        int d = shape.headDim();
        int qWidth = shape.heads() * d;
        int kvWidth = shape.kvHeads() * d;
        int fusedWidth = qWidth + 2 * kvWidth;
        float[] qkvQ = Weights.gaussian(queries * fusedWidth, random);
        float[] qkvK = Weights.gaussian(keys * fusedWidth, random);
        Tensor forQueries = engine.upload(qkvQ, queries, fusedWidth);
        Tensor forKeys = engine.upload(qkvK, keys, fusedWidth);
        Tensor q = forQueries.columnSlice(0, qWidth);
        Tensor k = forKeys.columnSlice(qWidth, kvWidth);
        Tensor v = forKeys.columnSlice(qWidth + kvWidth, kvWidth);
        Tensor out = engine.allocate(queries, qWidth);

        engine.attention(out, q, k, v, shape);

        float[] got = engine.download(out);
        int groups = shape.heads() / shape.kvHeads();
        for (int h = 0; h < shape.heads(); h++) {
            int kvh = h / groups;
            for (int i = 0; i < queries; i++) {
                int visible = shape.causal() ? shape.queryOffset() + i + 1 : keys;
                double[] scores = new double[visible];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < visible; j++) {
                    double dot = 0;
                    for (int c = 0; c < d; c++) {
                        dot += (double) qkvQ[i * fusedWidth + h * d + c] * qkvK[j * fusedWidth + qWidth + kvh * d + c];
                    }
                    scores[j] = dot / Math.sqrt(d);
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < visible; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int c = 0; c < d; c++) {
                    double expected = 0;
                    for (int j = 0; j < visible; j++) {
                        expected += scores[j] / sum * qkvK[j * fusedWidth + qWidth + kvWidth + kvh * d + c];
                    }
                    assertEquals(expected, got[i * qWidth + h * d + c], 2e-5,
                            "head " + h + " query " + i + " dim " + c + " for " + shape);
                }
            }
        }
    }
}
