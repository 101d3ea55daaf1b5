package dev.vllava.bench;

import dev.vllava.checkpoint.CheckpointSchema;
import dev.vllava.checkpoint.ModelPart;
import dev.vllava.checkpoint.TensorSpec;
import dev.vllava.config.TextConfig;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.config.VisionConfig;

/**
 * The work of each benchmark stage, counted from the config alone, so that a time becomes a
 * throughput comparable with {@link MachineLimits}: FLOPs for the compute-bound stages (vision
 * encode, prefill) and bytes read for the memory-bound one (decode).
 *
 * <p>FLOPs count 2 per multiply-add of the matrix products (2·params·rows) and of attention
 * (q·kᵀ and p·v over the keys each query actually sees: all of a frame's tokens in the vision
 * tower, the causal prefix in the language model). Norms, activations, softmax and RoPE are
 * O(rows·hidden), under 1% of the total at these shapes, and are not counted.
 *
 * <p>Decode bytes: every language-model weight is read once per token except the embedding
 * table, of which one row is gathered ({@code lm_head} is read in full, also when tied to the
 * embedding), plus the key/value cache of every layer up to the current position, in the engine's KV dtype.
 */
public final class ModelCost {
    private final VideoLlavaConfig config;
    private final double bytesPerWeight;
    private final int kvBytesPerValue;

    /** With an F32 KV cache. */
    public ModelCost(VideoLlavaConfig config, double bytesPerWeight) {
        this(config, bytesPerWeight, Float.BYTES);
    }

    /**
     * @param bytesPerWeight  bytes of one weight as the engine reads it (2 for F16/BF16, 4 for F32; 1.0625 for
     *                        int8 and 0.5625 for int4 in groups of 32 with F16 scales, applied to every weight)
     * @param kvBytesPerValue bytes of one cached key or value element (the engine's KV dtype: 4 for F32, 2 for F16)
     */
    public ModelCost(VideoLlavaConfig config, double bytesPerWeight, int kvBytesPerValue) {
        this.config = config;
        this.bytesPerWeight = bytesPerWeight;
        this.kvBytesPerValue = kvBytesPerValue;
    }

    public VideoLlavaConfig config() {
        return config;
    }

    public double bytesPerWeight() {
        return bytesPerWeight;
    }

    // ---- vision -------------------------------------------------------------------------------

    /** One frame through the video tower's used layers and the projector. */
    public double visionFlopsPerFrame() {
        VisionConfig v = config.vision();
        double tokens = v.tokensPerImage();
        double h = v.hiddenSize();
        double inner = v.intermediateSize();
        double d = config.text().hiddenSize();
        // Patch embedding as a matmul over every row of the frame (the class row included, as the engines run it).
        double patch = 2 * tokens * (v.numChannels() * (double) v.patchSize() * v.patchSize()) * h;
        double layerMatmuls = 2 * tokens * (4 * h * h + 2 * h * inner);
        double layerAttention = 4 * tokens * tokens * h;
        double projector = 2 * tokens * (h * d + d * d);
        return patch + config.visionLayersUsed() * (layerMatmuls + layerAttention) + projector;
    }

    // ---- language model -----------------------------------------------------------------------

    /** Weights of the matrix products of one decoder layer (q, k, v, o, gate, up, down). */
    public long llmLayerMatmulParams() {
        TextConfig t = config.text();
        long d = t.hiddenSize();
        long q = (long) t.numAttentionHeads() * t.headDim();
        long kv = (long) t.numKeyValueHeads() * t.headDim();
        return d * (q + 2 * kv) + q * d + 3 * d * t.intermediateSize();
    }

    /**
     * {@code tokens} prompt tokens after {@code cached} cached ones: every layer's matrix products,
     * causal attention, and {@code lm_head} for the last position only (as the decoder computes it).
     */
    public double prefillFlops(int tokens, int cached) {
        TextConfig t = config.text();
        double queryWidth = (double) t.numAttentionHeads() * t.headDim();
        // Query i (0-based) sees cached + i + 1 keys: Σ = tokens·cached + tokens·(tokens+1)/2.
        double keysSeen = (double) tokens * cached + (double) tokens * (tokens + 1) / 2;
        double perLayer = 2.0 * tokens * llmLayerMatmulParams() + 4 * queryWidth * keysSeen;
        return t.numHiddenLayers() * perLayer + 2.0 * t.hiddenSize() * t.vocabSize();
    }

    /** Language-model weight elements read per decoded token: all but the embedding table (lm_head counted even when tied). */
    public long decodeWeightElements() {
        long elements = 0;
        long embedding = 0;
        boolean hasHead = false;
        for (TensorSpec spec : CheckpointSchema.expected(config)) {
            if (spec.part() != ModelPart.LANGUAGE_MODEL) {
                continue;
            }
            if (spec.name().endsWith("embed_tokens.weight")) {
                embedding = spec.elementCount();
                continue;
            }
            hasHead |= spec.name().endsWith("lm_head.weight");
            elements += spec.elementCount();
        }
        return hasHead ? elements : elements + embedding;
    }

    public long decodeWeightBytesPerToken() {
        return Math.round(decodeWeightElements() * bytesPerWeight);
    }

    /** Keys and values read by every layer when one token attends to {@code keys} positions. */
    public long kvBytesRead(long keys) {
        TextConfig t = config.text();
        return (long) t.numHiddenLayers() * 2 * t.numKeyValueHeads() * t.headDim() * (long) kvBytesPerValue * keys;
    }

    /**
     * Mean KV bytes per token over {@code steps} decode steps that start with {@code cached} tokens
     * in the cache: step s attends to cached + s + 1 keys.
     */
    public long meanDecodeKvBytes(int cached, int steps) {
        double meanKeys = cached + (steps + 1) / 2.0;
        return Math.round(kvBytesRead(1) * meanKeys);
    }

    /** FLOPs of one decode step at {@code cached} cached tokens (for reference: decode is bound by bytes). */
    public double decodeFlops(int cached) {
        return prefillFlops(1, cached);
    }
}
