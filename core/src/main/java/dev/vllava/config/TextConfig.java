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

    static TextConfig fromJson(JsonNode node) {
        ConfigReader in = new ConfigReader(node, "text_config");
        int hidden = in.integer("hidden_size", 4096);
        int heads = in.integer("num_attention_heads", 32);
        if (in.has("rope_scaling")) {
            throw in.unsupported("rope_scaling", "RoPE scaling is not implemented");
        }
        return new TextConfig(
                in.integer("vocab_size", 32000),
                hidden,
                in.integer("intermediate_size", 11008),
                in.integer("num_hidden_layers", 32),
                heads,
                in.integer("num_key_value_heads", heads),
                in.integer("head_dim", hidden / heads),
                in.string("hidden_act", "silu"),
                in.integer("max_position_embeddings", 2048),
                in.number("rms_norm_eps", 1e-6),
                in.number("rope_theta", 10000.0),
                in.bool("tie_word_embeddings", false),
                in.bool("attention_bias", false),
                in.bool("mlp_bias", false));
    }
}
