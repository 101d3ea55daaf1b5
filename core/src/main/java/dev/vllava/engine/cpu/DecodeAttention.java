package dev.vllava.engine.cpu;

import static dev.vllava.engine.cpu.Halves.FLOATS;
import static dev.vllava.engine.cpu.Halves.LANES;

import dev.vllava.engine.AttentionShape;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Attention of a few query rows (a decode step) over a long cache, split by keys rather than by heads
 * (flash-decoding): each task takes {@link #CHUNK} consecutive keys for every head, so a thread reads
 * whole key and value rows front to back (4,096 values of a 7B layer in a row) instead of one head's
 * 128 values every row stride, and the work divides evenly however few heads there are. A task keeps,
 * per query row and head, the softmax of its own keys unnormalised: their max score, the sum of their
 * exponentials, and the exponential-weighted sum of their values; the merge rescales each chunk's
 * share by {@code exp(chunkMax − max)} and divides by the total.
 *
 * <p>The chunks depend on the key count only, and every sum inside one runs over its keys in position
 * order, so results are independent of the thread count, and a paged cache ({@link KvRows} blocks)
 * gives the contiguous cache's output bit for bit.
 */
final class DecodeAttention {

    /** Keys per task: 33 tasks for a 2,100-token video question, so two to sixteen threads stay balanced. */
    static final int CHUNK = 64;

    private DecodeAttention() {}

    static void run(ParallelLoop loop, CpuTensor out, CpuTensor q, KvRows k, KvRows v, AttentionShape shape) {
        Layout layout = new Layout(q.rows, shape);
        int chunks = ParallelLoop.ceilDiv(layout.visible(q.rows - 1, k.rows()), CHUNK);
        float[] partials = PARTIALS.get().floats(chunks * layout.partialSize);
        float[] query = new float[q.rows * layout.width];
        for (int r = 0; r < q.rows; r++) {
            MemorySegment.copy(q.segment, CpuTensor.F32, q.byteOffset(r, 0), query, r * layout.width, layout.width);
        }
        loop.forEach(chunks, c -> new Chunk(layout, query, k, v, c, SCRATCH.get()).run(partials));
        merge(layout, partials, chunks, out);
    }

    /** Where a chunk's partial results sit: per (row, head) slot, d weighted values, then max and sum. */
    private static final class Layout {
        final AttentionShape shape;
        final int rows;
        final int heads;
        final int d;
        final int width;
        final int slots;
        final int partialSize;
        final float scale;

        Layout(int rows, AttentionShape shape) {
            this.shape = shape;
            this.rows = rows;
            this.heads = shape.heads();
            this.d = shape.headDim();
            this.width = heads * d;
            this.slots = rows * heads;
            this.partialSize = slots * (d + 2);
            this.scale = (float) (1.0 / Math.sqrt(d));
        }

        int visible(int row, int keys) {
            return shape.causal() ? Math.min(keys, shape.queryOffset() + row + 1) : keys;
        }

        int maxAt(int slot) {
            return slots * d + slot;
        }

        int sumAt(int slot) {
            return slots * (d + 1) + slot;
        }
    }

    /** Per-thread score rows and widened key/value row, reused across tasks. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    /** The calling thread's chunk results, reused across calls (one layer's are ~550 KB at 7B). */
    private static final ThreadLocal<Floats> PARTIALS = ThreadLocal.withInitial(Floats::new);

    private static final class Scratch {
        float[][] scores = new float[0][CHUNK];
        float[] row = new float[0];

        float[][] scores(int count) {
            if (scores.length < count) {
                scores = new float[count][CHUNK];
            }
            return scores;
        }

        float[] row(int length) {
            if (row.length < length) {
                row = new float[length];
            }
            return row;
        }
    }

    private static final class Floats {
        float[] floats = new float[0];

        float[] floats(int length) {
            if (floats.length < length) {
                floats = new float[length];
            }
            return floats;
        }
    }

    /**
     * Keys [first, first + CHUNK) for every query row and head. Each key or value row is first widened
     * to F32 whole ({@link Halves#toFloats}: one vector loop per dtype, 16 KB that stay in L1), so the
     * per-head kernels run on float arrays with no dtype switch inside them.
     */
    private static final class Chunk {
        private final Layout layout;
        private final float[] query;
        private final KvRows k;
        private final KvRows v;
        private final int first;
        private final int group;
        private final int kvWidth;
        private final float[][] scores;
        private final float[] row;

        Chunk(Layout layout, float[] query, KvRows k, KvRows v, int chunk, Scratch scratch) {
            this.layout = layout;
            this.query = query;
            this.k = k;
            this.v = v;
            this.first = chunk * CHUNK;
            this.group = layout.heads / layout.shape.kvHeads();
            this.kvWidth = layout.shape.kvHeads() * layout.d;
            this.scores = scratch.scores(layout.slots);
            this.row = scratch.row(kvWidth);
        }

        /** Keys of this chunk that query row {@code r} sees. */
        private int seen(int r) {
            return Math.max(0, Math.min(CHUNK, layout.visible(r, k.rows()) - first));
        }

        void run(float[] partials) {
            int base = (first / CHUNK) * layout.partialSize;
            scores();
            for (int slot = 0; slot < layout.slots; slot++) {
                int n = seen(slot / layout.heads);
                float max = Attention.max(scores[slot], n);
                partials[base + layout.maxAt(slot)] = max;
                partials[base + layout.sumAt(slot)] = n == 0 ? 0f : Attention.expAndSum(scores[slot], n, max);
            }
            weightedValues(partials, base);
        }

        /** Scaled q·k for each key of the chunk, key rows read once, in order. */
        private void scores() {
            int d = layout.d;
            int keys = seen(layout.rows - 1);
            for (int i = 0; i < keys; i++) {
                widen(k, first + i);
                for (int r = 0; r < layout.rows; r++) {
                    if (i >= seen(r)) {
                        continue; // causal: a later key than row r sees
                    }
                    for (int h = 0; h < layout.heads; h++) {
                        float dot = VectorMath.dot(query, r * layout.width + h * d, row, (h / group) * d, d);
                        scores[r * layout.heads + h][i] = dot * layout.scale;
                    }
                }
            }
        }

        /** {@code Σ_j p[j]·v[j]} per (row, head) into the chunk's partials, value rows read once, in order. */
        private void weightedValues(float[] partials, int base) {
            int d = layout.d;
            Arrays.fill(partials, base, base + layout.slots * d, 0f);
            int keys = seen(layout.rows - 1);
            for (int i = 0; i < keys; i++) {
                widen(v, first + i);
                for (int r = 0; r < layout.rows; r++) {
                    if (i >= seen(r)) {
                        continue;
                    }
                    for (int h = 0; h < layout.heads; h++) {
                        int slot = r * layout.heads + h;
                        addScaled(scores[slot][i], row, (h / group) * d, partials, base + slot * d, d);
                    }
                }
            }
        }

        private void widen(KvRows rows, int key) {
            Halves.toFloats(rows.dtype(), rows.segment(key), rows.byteOffset(key, 0), kvWidth, row);
        }
    }

    /** {@code acc[accAt, +d) += p · x[xAt, +d)}. */
    private static void addScaled(float p, float[] x, int xAt, float[] acc, int accAt, int d) {
        int vectorEnd = d - d % LANES;
        FloatVector weight = FloatVector.broadcast(FLOATS, p);
        int c = 0;
        for (; c < vectorEnd; c += LANES) {
            weight.fma(FloatVector.fromArray(FLOATS, x, xAt + c), FloatVector.fromArray(FLOATS, acc, accAt + c))
                    .intoArray(acc, accAt + c);
        }
        for (; c < d; c++) {
            acc[accAt + c] += p * x[xAt + c];
        }
    }

    /** out = Σ_c exp(max_c − max)·values_c / Σ_c exp(max_c − max)·sum_c per (row, head), chunks in order. */
    private static void merge(Layout layout, float[] partials, int chunks, CpuTensor out) {
        int d = layout.d;
        float[] acc = new float[d];
        for (int slot = 0; slot < layout.slots; slot++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < chunks; c++) {
                max = Math.max(max, partials[c * layout.partialSize + layout.maxAt(slot)]);
            }
            Arrays.fill(acc, 0f);
            float total = 0f;
            for (int c = 0; c < chunks; c++) {
                int base = c * layout.partialSize;
                float sum = partials[base + layout.sumAt(slot)];
                if (sum == 0f) {
                    continue; // no key of this chunk is visible to the row
                }
                float weight = (float) Math.exp(partials[base + layout.maxAt(slot)] - max);
                total += weight * sum;
                for (int i = 0, at = base + slot * d; i < d; i++) {
                    acc[i] += weight * partials[at + i];
                }
            }
            float inverse = total == 0f ? 0f : 1f / total;
            for (int i = 0; i < d; i++) {
                acc[i] *= inverse;
            }
            int row = slot / layout.heads;
            int head = slot % layout.heads;
            MemorySegment.copy(acc, 0, out.segment, CpuTensor.F32, out.byteOffset(row, head * d), d);
        }
    }
}
