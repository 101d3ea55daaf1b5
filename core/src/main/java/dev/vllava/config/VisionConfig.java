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

    /** Tokens per image are patches + 1; ViT-L/14 at 336 px has 576 patches. */
    private static final int MAX_PATCHES = 1 << 14;

    static VisionConfig fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return new VisionConfig(1024, 4096, 24, 16, 3, 224, 14, "quick_gelu", 1e-5);
        }
        ConfigReader in = new ConfigReader(node, "vision_config");
        int hidden = in.integer("hidden_size", 768, 1, 1 << 16);
        int heads = in.integer("num_attention_heads", 12, 1, hidden);
        if (hidden % heads != 0) {
            throw in.outOfRange("num_attention_heads", heads, "a divisor of hidden_size " + hidden);
        }
        int imageSize = in.integer("image_size", 224, 1, 4096);
        int patchSize = in.integer("patch_size", 32, 1, imageSize);
        if (imageSize % patchSize != 0) {
            throw in.outOfRange("patch_size", patchSize, "a divisor of image_size " + imageSize);
        }
        if ((imageSize / patchSize) * (imageSize / patchSize) > MAX_PATCHES) {
            throw in.outOfRange("patch_size", patchSize, "at most " + MAX_PATCHES + " patches per image of image_size " + imageSize);
        }
        return new VisionConfig(
                hidden,
                in.integer("intermediate_size", 3072, 1, 1 << 18),
                in.integer("num_hidden_layers", 12, 1, 1024),
                heads,
                in.integer("num_channels", 3, 3, 3), // the image processor makes RGB pixels only
                imageSize,
                patchSize,
                in.string("hidden_act", "quick_gelu"),
                in.number("layer_norm_eps", 1e-5, 0, 1));
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
