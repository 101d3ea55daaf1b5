package dev.vllava.model;

import dev.vllava.VllavaException;
import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Training-free visual token reduction by [CLS] attention (FasterVLM: Zhang et al., "[CLS] Attention
 * is All You Need for Training-Free Visual Token Pruning", arXiv:2412.01818). Per image or video frame:
 * <ol>
 *   <li>at the feature layer (the encoder layer whose output is {@code hidden_states[vision_feature_layer]},
 *       i.e. FasterVLM's {@code attentions[select_layer]}), take the [CLS] query's attention
 *       probabilities over the frame's tokens and average them over the heads;</li>
 *   <li>rank the patch tokens (the [CLS] column itself is not a candidate) by that score and keep the
 *       {@link VisualTokenBudget#patchesKept top N}; equal scores keep the lower patch index first;</li>
 *   <li>keep the survivors in their original order (FasterVLM sorts the top-k indices too) and drop the
 *       rest before the projector (the projector works token by token, so projecting first and
 *       dropping after, as FasterVLM's image path does, gives the same rows).</li>
 * </ol>
 * A video frame keeps its [CLS] token in front of its patches: transformers' Video-LLaVA feeds every
 * frame's [CLS] to the model (image features drop it under the "default" strategy, video features
 * never do), so it is part of the reference's frame, not a candidate for dropping.
 */
public final class VisualTokenSelection {
    private final Engine engine;
    private final VisualTokenBudget budget;

    public VisualTokenSelection(Engine engine, VisualTokenBudget budget) {
        this.engine = engine;
        this.budget = budget;
    }

    /**
     * Runs {@code tower} on {@code frames} frames and returns the rows that go to the projector: per
     * frame, [CLS] first when {@code keepCls}, then the kept patches in order.
     */
    public Tensor encode(VisionTower tower, float[] pixels, int frames, boolean keepCls) {
        int tokens = tower.tokensPerFrame();
        int kept = budget.patchesKept(tokens - 1);
        float[][] clsAttention = new float[frames][];
        try (Tensor hidden = tower.encode(pixels, frames, clsAttention)) {
            if (frames > 0 && clsAttention[0] == null) {
                throw VllavaException.usage("visual token reduction needs the attention of an encoder layer, but vision_feature_layer selects the embeddings");
            }
            int rowsPerFrame = kept + (keepCls ? 1 : 0);
            Tensor selected = engine.allocate(frames * rowsPerFrame, hidden.columns());
            for (int frame = 0; frame < frames; frame++) {
                Tensor source = hidden.rowSlice(frame * tokens, tokens);
                Tensor target = selected.rowSlice(frame * rowsPerFrame, rowsPerFrame);
                if (keepCls) {
                    engine.copy(target.rowSlice(0, 1), source.rowSlice(0, 1));
                }
                int[] patches = keptPatches(Arrays.copyOfRange(clsAttention[frame], 1, tokens), kept);
                copyRows(target.rowSlice(keepCls ? 1 : 0, kept), source, patches);
            }
            return selected;
        }
    }

    /**
     * The [CLS] query's attention over a frame's {@code tokens} keys, averaged over heads: {@code q} and
     * {@code k} are the frame's query and key rows at the feature layer, [CLS] in row 0.
     */
    static float[] clsAttention(Engine engine, Tensor q, Tensor k, AttentionShape shape) {
        int tokens = k.rows();
        try (Tensor probabilities = engine.allocate(shape.heads(), tokens)) {
            engine.attentionProbabilities(probabilities, q, k, 0, shape);
            float[] perHead = engine.download(probabilities);
            float[] mean = new float[tokens];
            for (int h = 0; h < shape.heads(); h++) {
                for (int j = 0; j < tokens; j++) {
                    mean[j] += perHead[h * tokens + j];
                }
            }
            for (int j = 0; j < tokens; j++) {
                mean[j] /= shape.heads();
            }
            return mean;
        }
    }

    /**
     * Indices of the {@code kept} highest {@code scores}, ascending (original order). Ties go to the
     * lower index, so the result never depends on sort stability or thread timing.
     */
    static int[] keptPatches(float[] scores, int kept) {
        return IntStream.range(0, scores.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> scores[i]).reversed().thenComparingInt(i -> i))
                .limit(kept)
                .mapToInt(Integer::intValue)
                .sorted()
                .toArray();
    }

    /** {@code target[r] = source[1 + patches[r]]}, one engine copy per run of consecutive patches. */
    private void copyRows(Tensor target, Tensor source, int[] patches) {
        int r = 0;
        while (r < patches.length) {
            int run = 1;
            while (r + run < patches.length && patches[r + run] == patches[r] + run) {
                run++;
            }
            engine.copy(target.rowSlice(r, run), source.rowSlice(1 + patches[r], run));
            r += run;
        }
    }
}
