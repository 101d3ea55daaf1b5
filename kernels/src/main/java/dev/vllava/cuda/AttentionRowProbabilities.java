package dev.vllava.cuda;

import dev.vllava.engine.AttentionShape;

/**
 * {@link CudaEngine#attentionProbabilities}: checks the shapes and launches {@code attention_row_probs}
 * (attention_probs.cu), one block per head writing that head's row of probabilities.
 */
final class AttentionRowProbabilities {

    private AttentionRowProbabilities() {}

    static void launch(CudaDevice gpu, CudaTensor out, CudaTensor q, CudaTensor k, int queryRow, AttentionShape shape) {
        int headDim = shape.headDim();
        if (shape.kvHeads() <= 0 || shape.heads() % shape.kvHeads() != 0 || q.columns() != shape.heads() * headDim
                || k.columns() != shape.kvHeads() * headDim || out.rows() != shape.heads() || out.columns() != k.rows()
                || queryRow < 0 || queryRow >= q.rows()) {
            throw new IllegalArgumentException("attention probabilities of row " + queryRow + ": out " + out + ", q " + q
                    + ", k " + k + ", " + shape);
        }
        float scale = (float) (1.0 / Math.sqrt(headDim));
        gpu.launch(gpu.function(Kernel.ATTENTION_ROW_PROBABILITIES), Launch.attentionRow(shape.heads(), headDim),
                out.address, out.rowStride(), q.address, q.rowStride(), k.address, k.rowStride(), queryRow, k.rows(),
                shape.heads(), shape.kvHeads(), headDim, shape.causal() ? 1 : 0, shape.queryOffset(), scale);
    }
}
