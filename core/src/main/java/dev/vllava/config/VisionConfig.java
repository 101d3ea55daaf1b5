package dev.vllava.config;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * CLIP vision tower shape ({@code vision_config}). Absent keys take transformers'
 * {@code CLIPVisionConfig} defaults; an absent {@code vision_config} takes the ViT-L/14 that
 * {@code VideoLlavaConfig} substitutes.
 */
public record VisionConfig(
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numChannels,
        int imageSize,
        int patchSize,
        String hiddenAct,
        double layerNormEps) {

    static VisionConfig fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return new VisionConfig(1024, 4096, 24, 16, 3, 224, 14, "quick_gelu", 1e-5);
        }
        ConfigReader in = new ConfigReader(node, "vision_config");
        return new VisionConfig(
                in.integer("hidden_size", 768),
                in.integer("intermediate_size", 3072),
                in.integer("num_hidden_layers", 12),
                in.integer("num_attention_heads", 12),
                in.integer("num_channels", 3),
                in.integer("image_size", 224),
                in.integer("patch_size", 32),
                in.string("hidden_act", "quick_gelu"),
                in.number("layer_norm_eps", 1e-5));
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    public int patchesPerSide() {
        return imageSize / patchSize;
    }

    /** Tokens per image out of the tower: one per patch plus the class token. */
    public int tokensPerImage() {
        return patchesPerSide() * patchesPerSide() + 1;
    }
}
