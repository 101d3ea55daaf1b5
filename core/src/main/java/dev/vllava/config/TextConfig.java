package dev.vllava.config;

import com.fasterxml.jackson.databind.JsonNode;

/** Llama decoder shape ({@code text_config}); absent keys take transformers' {@code LlamaConfig} defaults. */
public record TextConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        String hiddenAct,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        boolean mlpBias) {

    /**
     * Reads and range-checks every value before anything is sized by it (a billion layers must fail
     * here, not as an allocation). The bounds are far beyond any released Llama and far below what would
     * overflow an int product of two of them.
     */
    static TextConfig fromJson(JsonNode node) {
        ConfigReader in = new ConfigReader(node, "text_config");
        int hidden = in.integer("hidden_size", 4096, 1, 1 << 16);
        int heads = in.integer("num_attention_heads", 32, 1, hidden);
        if (in.has("rope_scaling")) {
            throw in.unsupported("rope_scaling", "RoPE scaling is not implemented");
        }
        if (!in.has("head_dim") && hidden % heads != 0) {
            throw in.outOfRange("num_attention_heads", heads, "a divisor of hidden_size " + hidden);
        }
        int kvHeads = in.integer("num_key_value_heads", heads, 1, heads);
        if (heads % kvHeads != 0) {
            throw in.outOfRange("num_key_value_heads", kvHeads, "a divisor of num_attention_heads " + heads);
        }
        return new TextConfig(
                in.integer("vocab_size", 32000, 1, 1 << 21),
                hidden,
                in.integer("intermediate_size", 11008, 1, 1 << 18),
                in.integer("num_hidden_layers", 32, 1, 1024),
                heads,
                kvHeads,
                in.integer("head_dim", hidden / heads, 1, 4096),
                in.string("hidden_act", "silu"),
                in.integer("max_position_embeddings", 2048, 1, 1 << 21),
                in.number("rms_norm_eps", 1e-6, 0, 1),
                in.number("rope_theta", 10000.0, 0, Double.POSITIVE_INFINITY),
                in.bool("tie_word_embeddings", false),
                in.bool("attention_bias", false),
                in.bool("mlp_bias", false));
    }
}
