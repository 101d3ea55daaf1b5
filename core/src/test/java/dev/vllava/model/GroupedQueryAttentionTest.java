package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.checkpoint.TensorData;
import dev.vllava.config.TextConfig;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * GQA (num_key_value_heads < num_attention_heads), which the tiny-a reference does not exercise: a
 * decoder with 2 key/value heads shared by pairs of the 4 query heads must equal a multi-head decoder
 * whose k/v projections repeat each shared head for its pair (transformers' repeat_kv), within 1e-5.
 */
class GroupedQueryAttentionTest {
    private static final int KV_HEADS = 2;

    @Test
    void sharedKeyValueHeadsEqualRepeatedOnes() {
        try (GoldenData golden = GoldenData.tinyA(); Engine engine = new CpuEngine(2)) {
            VideoLlavaConfig base = golden.config();
            TextConfig text = base.text();
            int headDim = text.headDim();
            int group = text.numAttentionHeads() / KV_HEADS;
            int[] sharedHeads = {0, 2};
            int[] repeated = new int[text.numAttentionHeads()];
            for (int h = 0; h < repeated.length; h++) {
                repeated[h] = sharedHeads[h / group];
            }
            Function<String, TensorData> tensors = golden.modelTensors();
            Function<String, TensorData> gqaTensors = name -> isKv(name) ? heads(tensors.apply(name), sharedHeads, headDim) : tensors.apply(name);
            Function<String, TensorData> mhaTensors = name -> isKv(name) ? heads(tensors.apply(name), repeated, headDim) : tensors.apply(name);
            VideoLlavaConfig gqaConfig = withKvHeads(base, KV_HEADS);

            int[] ids = {1, 719, 946, 440, 980, 918, 13, 967, 927, 286, 332};
            float[] gqa = lastLogits(VideoLlava.load(gqaConfig, gqaTensors, engine).decoder(), ids, engine);
            float[] mha = lastLogits(VideoLlava.load(base, mhaTensors, engine).decoder(), ids, engine);
            double error = GoldenData.maxAbsDiff(gqa, mha);
            assertTrue(error <= 1e-5, "GQA vs repeated-head logits differ by " + error + " (same arithmetic, expected ~0)");
        }
    }

    private static boolean isKv(String name) {
        return name.startsWith("language_model.") && (name.endsWith("k_proj.weight") || name.endsWith("v_proj.weight"));
    }

    /** The rows of the listed heads of a [heads·headDim, hidden] F32 projection, in that order. */
    private static TensorData heads(TensorData weight, int[] heads, int headDim) {
        long rowBytes = weight.columns() * Float.BYTES;
        MemorySegment out = Arena.ofAuto().allocate(heads.length * headDim * rowBytes, 8);
        for (int i = 0; i < heads.length; i++) {
            MemorySegment.copy(weight.data(), heads[i] * headDim * rowBytes, out, i * headDim * rowBytes, headDim * rowBytes);
        }
        return new TensorData(weight.name(), weight.dtype(), new long[] {(long) heads.length * headDim, weight.columns()}, out);
    }

    private static VideoLlavaConfig withKvHeads(VideoLlavaConfig c, int kvHeads) {
        TextConfig t = c.text();
        TextConfig text = new TextConfig(t.vocabSize(), t.hiddenSize(), t.intermediateSize(), t.numHiddenLayers(),
                t.numAttentionHeads(), kvHeads, t.headDim(), t.hiddenAct(), t.maxPositionEmbeddings(), t.rmsNormEps(),
                t.ropeTheta(), t.tieWordEmbeddings(), t.attentionBias(), t.mlpBias());
        return new VideoLlavaConfig(c.vision(), text, c.imageTokenIndex(), c.videoTokenIndex(), c.padTokenId(),
                c.projectorHiddenAct(), c.visionFeatureLayer(), c.visionFeatureSelectStrategy(), c.imageSeqLength(),
                c.videoSeqLength());
    }

    private static float[] lastLogits(LlamaDecoder decoder, int[] ids, Engine engine) {
        try (KvCache cache = decoder.newKvCache(32); Tensor embeddings = decoder.embed(Arrays.copyOf(ids, ids.length - 1))) {
            decoder.prefill(embeddings, cache);
            return engine.download(decoder.decodeStep(ids[ids.length - 1], cache));
        }
    }
}
