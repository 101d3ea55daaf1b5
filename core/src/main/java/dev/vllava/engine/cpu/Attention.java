package dev.vllava.engine.cpu;

import static dev.vllava.engine.cpu.Halves.FLOATS;
import static dev.vllava.engine.cpu.Halves.LANES;

import dev.vllava.engine.AttentionShape;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Softmax attention, a block of query rows of one head at a time: scores for the visible keys
 * (causal rows skip masked keys entirely), a float softmax with the row max subtracted, then the
 * probability-weighted sum of value rows. Work is split over (head, query block) tasks, the most
 * expensive (latest causal) blocks first so the pool stays balanced.
 *
 * <p>With many queries (prefill, vision) each key/value head is first transposed into
 * {@code [headDim][keys]}, so that scores come out a vector of 16 keys at a time from broadcast
 * query values with no horizontal sums; with a few queries (decode) that transpose would cost as
 * much as the scores, so {@link DecodeAttention} reads the key and value rows in place instead.
 *
 * <p>Keys and values are {@link KvRows}: one tensor, or a paged cache's blocks read in place through its
 * block table, stored as F32 or F16 (a KV cache in the checkpoint's half precision) and widened to F32 as
 * they are read. Every sum runs over the keys in position order either way, so a paged cache gives the
 * contiguous cache's output bit for bit without copying its rows into one tensor first.
 */
final class Attention {

    /** Query rows per task. */
    private static final int QUERY_BLOCK = 16;
    /** Fewer queries than this use dot products instead of transposing the keys. */
    private static final int TRANSPOSE_MIN_QUERIES = 8;
    /** Keys per score step of the transposed kernel: two vectors. */
    private static final int KEY_STEP = 2 * LANES;

    private Attention() {}

    static void run(ParallelLoop loop, CpuTensor out, CpuTensor q, KvRows k, KvRows v, AttentionShape shape) {
        int heads = shape.heads();
        int queries = q.rows;
        if (queries < TRANSPOSE_MIN_QUERIES) {
            DecodeAttention.run(loop, out, q, k, v, shape);
            return;
        }
        KvCopies copies = KV_COPIES.get().sizedFor(shape.kvHeads(), shape.headDim(), k.rows());
        float[][] keysT = copies.keysT;
        float[][] values = copies.values;
        loop.forEach(shape.kvHeads(), kvHead -> {
            transposeKeys(k, shape.headDim(), kvHead, keysT[kvHead]);
            packValues(v, shape.headDim(), kvHead, values[kvHead]);
        });
        int blocks = ParallelLoop.ceilDiv(queries, QUERY_BLOCK);
        int groups = heads / shape.kvHeads();
        loop.forEach(heads * blocks, task -> {
            int block = blocks - 1 - task / heads; // latest (largest causal) blocks first
            int h = task % heads;
            int first = block * QUERY_BLOCK;
            int last = Math.min(queries, first + QUERY_BLOCK);
            HeadBlock work = new HeadBlock(out, q, k, shape, h, keysT[h / groups], values[h / groups], SCRATCH.get());
            work.run(first, last);
        });
    }

    /**
     * The calling thread's copies of the keys (transposed) and values (packed), one pair of arrays per kv
     * head, grown to the longest context it has attended over and reused: fresh ones for every layer and
     * prompt pass were 38% of the bytes a 7B video question allocated (69 MB per layer at 2,100 keys), and the
     * collector promoted them into an old generation that stayed resident (docs/bench.md, "Memory, session 4").
     * Workers fill them inside the loop; the loop's end orders those writes before the head tasks read them.
     */
    private static final ThreadLocal<KvCopies> KV_COPIES = ThreadLocal.withInitial(KvCopies::new);

    private static final class KvCopies {
        float[][] keysT = new float[0][];
        float[][] values = new float[0][];

        KvCopies sizedFor(int kvHeads, int d, int keys) {
            int length = d * Gemm.roundUp(keys, KEY_STEP);
            if (keysT.length != kvHeads || keysT[0].length < length) {
                keysT = new float[kvHeads][length];
                values = new float[kvHeads][length];
            }
            return this;
        }
    }

    /** Per-thread score rows, reused across tasks (a task would otherwise zero 4 × keys floats). */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        float[][] scores = new float[4][0];
        float[] query = new float[0];

        float[][] scores(int length) {
            if (scores[0].length < length) {
                scores = new float[4][length];
            }
            return scores;
        }

        float[] query(int length) {
            if (query.length < length) {
                query = new float[length];
            }
            return query;
        }
    }

    /**
     * One kv head's keys transposed in blocks of {@link #KEY_STEP} keys:
     * {@code [keys / KEY_STEP][headDim][KEY_STEP]}, zero beyond the last key. Each block is
     * contiguous so the score kernel streams it (a plain {@code [headDim][keys]} transpose put every
     * step of the kernel on another page, and was 2× slower).
     */
    private static void transposeKeys(KvRows k, int d, int kvHead, float[] transposed) {
        int keys = k.rows();
        int padded = Gemm.roundUp(keys, KEY_STEP);
        float[] row = new float[d];
        for (int j = 0; j < padded; j++) {
            if (j < keys) {
                Halves.toFloats(k.dtype(), k.segment(j), k.byteOffset(j, kvHead * d), d, row);
            } else {
                Arrays.fill(row, 0f);
            }
            int base = j / KEY_STEP * d * KEY_STEP + j % KEY_STEP;
            for (int c = 0; c < d; c++) {
                transposed[base + c * KEY_STEP] = row[c];
            }
        }
    }

    /**
     * One kv head's values as contiguous {@code [keys][headDim]}: in the activation each value row
     * is a whole row stride (16 KB for a 7B model) from the next, so walking them costs a TLB miss
     * per key; packed, the weighted sum streams (measured 3× faster for 2086 keys).
     */
    private static void packValues(KvRows v, int d, int kvHead, float[] packed) {
        for (int j = 0; j < v.rows(); j++) {
            Halves.toFloats(v.dtype(), v.segment(j), v.byteOffset(j, kvHead * d), d, packed, j * d);
        }
    }

    /** One head's query rows [first, last): scores, softmax, weighted values. */
    private static final class HeadBlock {
        private final CpuTensor out;
        private final CpuTensor q;
        private final KvRows k;
        private final AttentionShape shape;
        private final int head;
        private final int d;
        private final float scale;
        private final float[] keysT;
        private final float[] packedValues;
        private final int keysPadded;
        private final float[] query;
        private final float[][] scores;
        private final float[] acc;

        HeadBlock(CpuTensor out, CpuTensor q, KvRows k, AttentionShape shape, int head,
                  float[] keysT, float[] packedValues, Scratch scratch) {
            this.out = out;
            this.q = q;
            this.k = k;
            this.shape = shape;
            this.head = head;
            this.d = shape.headDim();
            this.scale = (float) (1.0 / Math.sqrt(d));
            this.keysT = keysT;
            this.packedValues = packedValues;
            this.keysPadded = Gemm.roundUp(k.rows(), KEY_STEP);
            this.query = scratch.query(4 * d);
            this.scores = scratch.scores(keysPadded);
            this.acc = new float[2 * d];
        }

        int visible(int row) {
            return shape.causal() ? Math.min(k.rows(), shape.queryOffset() + row + 1) : k.rows();
        }

        void run(int first, int last) {
            int i = first;
            for (; i + 4 <= last; i += 4) {
                for (int r = 0; r < 4; r++) {
                    MemorySegment.copy(q.segment, CpuTensor.F32, q.byteOffset(i + r, head * d), query, r * d, d);
                }
                scores4(visible(i + 3));
                finishPair(i, scores[0], scores[1]);
                finishPair(i + 2, scores[2], scores[3]);
            }
            for (; i < last; i++) {
                MemorySegment.copy(q.segment, CpuTensor.F32, q.byteOffset(i, head * d), query, 0, d);
                scores1Transposed(visible(i));
                finishRow(i, scores[0]);
            }
        }

        /** Scores of four query rows (in {@link #query}) against keys [0, keys), from the transposed keys. */
        private void scores4(int keys) {
            float[] s0 = scores[0], s1 = scores[1], s2 = scores[2], s3 = scores[3];
            for (int j = 0; j < keys; j += KEY_STEP) {
                FloatVector a0 = FloatVector.zero(FLOATS), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0,
                        b3 = a0;
                int block = j * d;
                for (int c = 0; c < d; c++) {
                    int at = block + c * KEY_STEP;
                    FloatVector k0 = FloatVector.fromArray(FLOATS, keysT, at);
                    FloatVector k1 = FloatVector.fromArray(FLOATS, keysT, at + LANES);
                    FloatVector x = FloatVector.broadcast(FLOATS, query[c]);
                    a0 = x.fma(k0, a0);
                    b0 = x.fma(k1, b0);
                    x = FloatVector.broadcast(FLOATS, query[d + c]);
                    a1 = x.fma(k0, a1);
                    b1 = x.fma(k1, b1);
                    x = FloatVector.broadcast(FLOATS, query[2 * d + c]);
                    a2 = x.fma(k0, a2);
                    b2 = x.fma(k1, b2);
                    x = FloatVector.broadcast(FLOATS, query[3 * d + c]);
                    a3 = x.fma(k0, a3);
                    b3 = x.fma(k1, b3);
                }
                a0.mul(scale).intoArray(s0, j);
                b0.mul(scale).intoArray(s0, j + LANES);
                a1.mul(scale).intoArray(s1, j);
                b1.mul(scale).intoArray(s1, j + LANES);
                a2.mul(scale).intoArray(s2, j);
                b2.mul(scale).intoArray(s2, j + LANES);
                a3.mul(scale).intoArray(s3, j);
                b3.mul(scale).intoArray(s3, j + LANES);
            }
        }

        /** Scores of one query row against keys [0, keys), from the transposed keys. */
        private void scores1Transposed(int keys) {
            float[] s = scores[0];
            for (int j = 0; j < keys; j += KEY_STEP) {
                FloatVector a = FloatVector.zero(FLOATS), b = a;
                int block = j * d;
                for (int c = 0; c < d; c++) {
                    int at = block + c * KEY_STEP;
                    FloatVector x = FloatVector.broadcast(FLOATS, query[c]);
                    a = x.fma(FloatVector.fromArray(FLOATS, keysT, at), a);
                    b = x.fma(FloatVector.fromArray(FLOATS, keysT, at + LANES), b);
                }
                a.mul(scale).intoArray(s, j);
                b.mul(scale).intoArray(s, j + LANES);
            }
        }

        /** Softmax of one row's scores over its visible keys, then the weighted sum of values into out. */
        private void finishRow(int row, float[] s) {
            int keys = visible(row);
            softmax(s, keys);
            weightedPackedValues(s, s, keys);
            MemorySegment.copy(acc, 0, out.segment, CpuTensor.F32, out.byteOffset(row, head * d), d);
        }

        /**
         * Two consecutive query rows (packed values): the second may see one key more, so the first
         * row's probabilities are zero-extended to the second's keys and both walk them together.
         */
        private void finishPair(int row, float[] s0, float[] s1) {
            int keys0 = visible(row);
            int keys1 = visible(row + 1);
            softmax(s0, keys0);
            softmax(s1, keys1);
            java.util.Arrays.fill(s0, keys0, keys1, 0f);
            weightedPackedValues(s0, s1, keys1);
            MemorySegment.copy(acc, 0, out.segment, CpuTensor.F32, out.byteOffset(row, head * d), d);
            MemorySegment.copy(acc, d, out.segment, CpuTensor.F32, out.byteOffset(row + 1, head * d), d);
        }

        /** {@code s[0, count)} ← softmax of itself (max subtracted, normalised to sum 1). */
        private static void softmax(float[] s, int count) {
            float max = max(s, count);
            float inverse = 1f / expAndSum(s, count, max);
            int j = 0;
            for (; j + LANES <= count; j += LANES) {
                FloatVector.fromArray(FLOATS, s, j).mul(inverse).intoArray(s, j);
            }
            for (; j < count; j++) {
                s[j] *= inverse;
            }
        }

        /**
         * {@code acc[0, d) = Σ_j p0[j]·v[j]} and {@code acc[d, 2d) = Σ_j p1[j]·v[j]} over the packed
         * values: two rows × four vectors of accumulators share each value load.
         */
        private void weightedPackedValues(float[] p0, float[] p1, int keys) {
            float[] values = packedValues;
            int vectorEnd = d - d % LANES;
            int c = 0;
            for (; c + 4 * LANES <= vectorEnd; c += 4 * LANES) {
                FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
                FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                for (int j = 0, at = c; j < keys; j++, at += d) {
                    FloatVector v0 = FloatVector.fromArray(FLOATS, values, at);
                    FloatVector v1 = FloatVector.fromArray(FLOATS, values, at + LANES);
                    FloatVector v2 = FloatVector.fromArray(FLOATS, values, at + 2 * LANES);
                    FloatVector v3 = FloatVector.fromArray(FLOATS, values, at + 3 * LANES);
                    FloatVector p = FloatVector.broadcast(FLOATS, p0[j]);
                    a0 = p.fma(v0, a0);
                    a1 = p.fma(v1, a1);
                    a2 = p.fma(v2, a2);
                    a3 = p.fma(v3, a3);
                    p = FloatVector.broadcast(FLOATS, p1[j]);
                    b0 = p.fma(v0, b0);
                    b1 = p.fma(v1, b1);
                    b2 = p.fma(v2, b2);
                    b3 = p.fma(v3, b3);
                }
                a0.intoArray(acc, c);
                a1.intoArray(acc, c + LANES);
                a2.intoArray(acc, c + 2 * LANES);
                a3.intoArray(acc, c + 3 * LANES);
                b0.intoArray(acc, d + c);
                b1.intoArray(acc, d + c + LANES);
                b2.intoArray(acc, d + c + 2 * LANES);
                b3.intoArray(acc, d + c + 3 * LANES);
            }
            // Head sizes under 4 vectors (d = 32 or 48 on 512-bit vectors): one vector per row.
            for (; c < vectorEnd; c += LANES) {
                FloatVector a = FloatVector.zero(FLOATS), b = a;
                for (int j = 0, at = c; j < keys; j++, at += d) {
                    FloatVector v = FloatVector.fromArray(FLOATS, values, at);
                    a = FloatVector.broadcast(FLOATS, p0[j]).fma(v, a);
                    b = FloatVector.broadcast(FLOATS, p1[j]).fma(v, b);
                }
                a.intoArray(acc, c);
                b.intoArray(acc, d + c);
            }
            for (; c < d; c++) {
                float sum0 = 0;
                float sum1 = 0;
                for (int j = 0, at = c; j < keys; j++, at += d) {
                    sum0 += p0[j] * values[at];
                    sum1 += p1[j] * values[at];
                }
                acc[c] = sum0;
                acc[d + c] = sum1;
            }
        }
    }

    /** The largest of {@code s[0, count)}; -∞ for none. */
    static float max(float[] s, int count) {
        FloatVector m = FloatVector.broadcast(FLOATS, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (; j + LANES <= count; j += LANES) {
            m = m.max(FloatVector.fromArray(FLOATS, s, j));
        }
        float max = m.reduceLanes(VectorOperators.MAX);
        for (; j < count; j++) {
            max = Math.max(max, s[j]);
        }
        return max;
    }

    /** {@code s[j] ← exp(s[j] - max)} for j &lt; count; returns their sum ({@link VectorMath#exp}: ~1 ulp). */
    static float expAndSum(float[] s, int count, float max) {
        FloatVector total = FloatVector.zero(FLOATS);
        int j = 0;
        for (; j + LANES <= count; j += LANES) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(FLOATS, s, j).sub(max));
            e.intoArray(s, j);
            total = total.add(e);
        }
        float sum = VectorMath.sum(total);
        for (; j < count; j++) {
            s[j] = (float) Math.exp(s[j] - max);
            sum += s[j];
        }
        return sum;
    }
}
