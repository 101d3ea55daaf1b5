package dev.vllava.engine.cpu;

import dev.vllava.engine.AttentionShape;

/**
 * The softmax attention probabilities of one query row, per head: the scores of that row against
 * every visible key, scaled by {@code 1/sqrt(headDim)}, max-subtracted, exponentiated and
 * normalised in FP32, exactly the probabilities {@link Attention} weights the values with. One row
 * costs {@code heads × keys × headDim} multiply-adds (16 × 257 × 64 for a CLIP ViT-L frame), so a
 * plain loop is enough.
 */
final class AttentionRow {

    private AttentionRow() {}

    static void probabilities(CpuTensor out, CpuTensor q, CpuTensor k, int queryRow, AttentionShape shape) {
        int headDim = shape.headDim();
        int keys = k.rows;
        if (shape.kvHeads() <= 0 || shape.heads() % shape.kvHeads() != 0 || q.columns != shape.heads() * headDim
                || k.columns != shape.kvHeads() * headDim || out.rows != shape.heads() || out.columns != keys
                || queryRow < 0 || queryRow >= q.rows || !q.isF32() || !k.isF32() || !out.isF32()) {
            throw new IllegalArgumentException("attention probabilities of row " + queryRow + ": out " + out + ", q " + q
                    + ", k " + k + ", " + shape);
        }
        int visible = shape.causal() ? Math.min(keys, shape.queryOffset() + queryRow + 1) : keys;
        int group = shape.heads() / shape.kvHeads();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] query = new float[q.columns];
        float[] key = new float[k.columns];
        q.readRow(queryRow, query);
        float[][] scores = new float[shape.heads()][keys];
        for (int j = 0; j < visible; j++) {
            k.readRow(j, key);
            for (int h = 0; h < shape.heads(); h++) {
                int qBase = h * headDim;
                int kBase = (h / group) * headDim;
                float dot = 0;
                for (int i = 0; i < headDim; i++) {
                    dot += query[qBase + i] * key[kBase + i];
                }
                scores[h][j] = dot * scale;
            }
        }
        for (int h = 0; h < shape.heads(); h++) {
            softmaxInPlace(scores[h], visible);
            out.writeRow(h, scores[h]); // keys past `visible` stay 0: masked
        }
    }

    /** Softmax of {@code row[0, length)} in place, the max subtracted first so exp never overflows. */
    private static void softmaxInPlace(float[] row, int length) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < length; j++) {
            max = Math.max(max, row[j]);
        }
        float sum = 0;
        for (int j = 0; j < length; j++) {
            row[j] = (float) Math.exp(row[j] - max);
            sum += row[j];
        }
        for (int j = 0; j < length; j++) {
            row[j] /= sum;
        }
    }
}
