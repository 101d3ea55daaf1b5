package dev.vllava.engine.cpu;

import dev.vllava.engine.AttentionShape;

/**
 * Softmax attention, one (query row, head) at a time: scores for the visible keys, a float softmax
 * (max-subtracted), then the weighted sum of values. Work is split over heads × query rows.
 */
final class Attention {

    private Attention() {}

    static void run(ParallelLoop loop, CpuTensor out, CpuTensor q, CpuTensor k, CpuTensor v, AttentionShape shape) {
        int heads = shape.heads();
        int headDim = shape.headDim();
        int groups = heads / shape.kvHeads();
        int queries = q.rows;
        int keys = k.rows;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        loop.forRange(heads * queries, 1, (start, end) -> {
            float[] query = new float[headDim];
            float[] scores = new float[keys];
            float[] acc = new float[headDim];
            for (int task = start; task < end; task++) {
                int h = task / queries;
                int i = task % queries;
                int kvHead = h / groups;
                int visible = shape.causal() ? Math.min(keys, shape.queryOffset() + i + 1) : keys;
                for (int d = 0; d < headDim; d++) {
                    query[d] = q.get(i, h * headDim + d);
                }
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < visible; j++) {
                    float dot = 0;
                    for (int d = 0; d < headDim; d++) {
                        dot += query[d] * k.get(j, kvHead * headDim + d);
                    }
                    scores[j] = dot * scale;
                    max = Math.max(max, scores[j]);
                }
                float sum = 0;
                for (int j = 0; j < visible; j++) {
                    scores[j] = (float) Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                java.util.Arrays.fill(acc, 0f);
                for (int j = 0; j < visible; j++) {
                    float p = scores[j] / sum;
                    for (int d = 0; d < headDim; d++) {
                        acc[d] += p * v.get(j, kvHead * headDim + d);
                    }
                }
                for (int d = 0; d < headDim; d++) {
                    out.set(i, h * headDim + d, acc[d]);
                }
            }
        });
    }
}
