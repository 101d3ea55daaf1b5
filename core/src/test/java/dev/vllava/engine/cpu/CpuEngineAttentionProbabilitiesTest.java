package dev.vllava.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Tensor;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code attentionProbabilities}: one query row's softmax over the keys, per head. Checked against the
 * engine's own attention (the probabilities must weight the value rows into exactly its output row)
 * and against plain arithmetic for the masking and the layout of q/k column slices.
 */
class CpuEngineAttentionProbabilitiesTest {
    private static final double TOLERANCE = 1e-5; // FP32 sums of at most a few hundred terms in another order

    private final CpuEngine engine = new CpuEngine(2);
    private final Random random = new Random(7);

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void probabilitiesWeightTheValuesIntoTheAttentionOutput() {
        // CLIP-like: full attention over 257 tokens, the [CLS] row and a later row, q/k/v slices of one qkv tensor
        int heads = 4;
        int headDim = 16;
        int tokens = 257;
        int width = heads * headDim;
        Tensor qkv = engine.upload(gaussian(tokens * 3 * width), tokens, 3 * width);
        Tensor q = qkv.columnSlice(0, width);
        Tensor k = qkv.columnSlice(width, width);
        Tensor v = qkv.columnSlice(2 * width, width);
        AttentionShape shape = AttentionShape.full(heads, headDim);
        Tensor out = engine.allocate(tokens, width);
        engine.attention(out, q, k, v, shape);
        float[] attended = engine.download(out);
        float[] values = engine.download(v);
        for (int row : new int[] {0, 130}) {
            float[] p = probabilities(q, k, row, shape);
            for (int h = 0; h < heads; h++) {
                double sum = 0;
                for (int j = 0; j < tokens; j++) {
                    sum += p[h * tokens + j];
                }
                assertEquals(1.0, sum, TOLERANCE, "row " + row + " head " + h + " sums to 1");
                for (int i = 0; i < headDim; i++) {
                    double weighted = 0;
                    for (int j = 0; j < tokens; j++) {
                        weighted += p[h * tokens + j] * values[j * width + h * headDim + i];
                    }
                    assertEquals(attended[row * width + h * headDim + i], weighted, TOLERANCE,
                            "row " + row + " head " + h + " dim " + i + ": probabilities x values = attention output");
                }
            }
        }
    }

    @Test
    void causalRowGivesMaskedKeysZeroAndGroupedHeadsShareKeys() {
        int heads = 4;
        int kvHeads = 2;
        int headDim = 3;
        int keys = 6;
        float[] queries = gaussian(2 * heads * headDim);
        float[] keyValues = gaussian(keys * kvHeads * headDim);
        Tensor q = engine.upload(queries, 2, heads * headDim);
        Tensor k = engine.upload(keyValues, keys, kvHeads * headDim);
        // query row 1 at offset 2 sits at position 3: keys 0..3 visible
        float[] p = probabilities(q, k, 1, AttentionShape.causal(heads, kvHeads, headDim, 2));
        for (int h = 0; h < heads; h++) {
            int kvHead = h / (heads / kvHeads);
            double[] expected = new double[4];
            double total = 0;
            for (int j = 0; j < 4; j++) {
                double dot = 0;
                for (int i = 0; i < headDim; i++) {
                    dot += queries[heads * headDim + h * headDim + i] * keyValues[j * kvHeads * headDim + kvHead * headDim + i];
                }
                expected[j] = Math.exp(dot / Math.sqrt(headDim));
                total += expected[j];
            }
            for (int j = 0; j < keys; j++) {
                double want = j < 4 ? expected[j] / total : 0;
                assertEquals(want, p[h * keys + j], TOLERANCE, "head " + h + " key " + j);
            }
        }
    }

    @Test
    void wrongOutputShapeIsRejected() {
        Tensor q = engine.upload(gaussian(8), 2, 4);
        Tensor k = engine.upload(gaussian(12), 3, 4);
        Tensor out = engine.allocate(2, 2);
        assertThrows(IllegalArgumentException.class,
                () -> engine.attentionProbabilities(out, q, k, 0, AttentionShape.full(2, 2)), "out must be [heads, keys]");
    }

    private float[] probabilities(Tensor q, Tensor k, int row, AttentionShape shape) {
        try (Tensor out = engine.allocate(shape.heads(), k.rows())) {
            engine.attentionProbabilities(out, q, k, row, shape);
            return engine.download(out);
        }
    }

    private float[] gaussian(int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
