package dev.vllava.model;

import dev.vllava.VllavaException;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.config.TextConfig;
import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The Llama language model ({@code language_model.*}): pre-norm decoder layers with RMSNorm, RoPE
 * (rotate-half), grouped-query causal attention over a {@link KvCache} and a SiLU-gated MLP, then
 * the final norm and {@code lm_head}. Both entry points return the logits of the last position
 * as a one-row tensor that the decoder owns and overwrites on the next call.
 */
public final class LlamaDecoder implements AutoCloseable {
    private final Engine engine;
    private final TextConfig config;
    private final Tensor embedTokens;
    private final List<DecoderLayer> layers = new ArrayList<>();
    private final Tensor finalNorm;
    private final Tensor lmHead;
    private final Tensor logits;
    private final int queryWidth;
    private final int kvWidth;

    /** One layer's weights (package-private for {@link BatchDecoder}). */
    record DecoderLayer(Tensor inputNorm, StackedLinear qkv, StackedLinear oProj,
            Tensor postAttentionNorm, StackedLinear gateUp, StackedLinear down) {}

    LlamaDecoder(Engine engine, TextConfig config, Weights weights) {
        this.engine = engine;
        this.config = config;
        this.queryWidth = config.numAttentionHeads() * config.headDim();
        this.kvWidth = config.numKeyValueHeads() * config.headDim();
        Weights model = weights.under("model.");
        TensorData embedding = model.get("embed_tokens.weight");
        this.embedTokens = engine.weight(embedding);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(loadLayer(model.under("layers." + i + ".")));
        }
        this.finalNorm = engine.weight(model.get("norm.weight"));
        TensorData head = weights.optional("lm_head.weight");
        if (head == null && !config.tieWordEmbeddings()) {
            throw VllavaException.checkpoint("checkpoint has no tensor language_model.lm_head.weight (and tie_word_embeddings is false)");
        }
        this.lmHead = config.tieWordEmbeddings() || head == null ? embedTokens : engine.weight(head);
        this.logits = engine.allocate(1, Math.toIntExact(config.tieWordEmbeddings() || head == null ? embedding.rows() : head.rows()));
    }

    public TextConfig config() {
        return config;
    }

    Engine engine() {
        return engine;
    }

    List<DecoderLayer> layers() {
        return layers;
    }

    Tensor finalNorm() {
        return finalNorm;
    }

    Tensor lmHead() {
        return lmHead;
    }

    /** Rows of {@code lm_head}: the width of a logits row. */
    int vocabularySize() {
        return logits.columns();
    }

    /** A cache for {@code contextLength} tokens (at most max_position_embeddings). */
    public KvCache newKvCache(int contextLength) {
        if (contextLength > config.maxPositionEmbeddings()) {
            throw VllavaException.usage("context length %d exceeds the model's max_position_embeddings %d",
                    contextLength, config.maxPositionEmbeddings());
        }
        return new KvCache(engine, layers.size(), contextLength, kvWidth);
    }

    /** Token embeddings {@code [ids.length, hidden]} (a new tensor). */
    public Tensor embed(int[] ids) {
        Tensor out = engine.allocate(ids.length, config.hiddenSize());
        engine.embed(out, embedTokens, ids);
        return out;
    }

    /** Runs {@code embeddings [n, hidden]} after the cached tokens; returns the logits of the last one. */
    public Tensor prefill(Tensor embeddings, KvCache kvCache) {
        kvCache.requireRoom(embeddings.rows());
        try (Tensor hidden = engine.allocate(embeddings.rows(), config.hiddenSize())) {
            engine.copy(hidden, embeddings);
            return forward(hidden, kvCache);
        }
    }

    /** Feeds one token after the cached ones; returns the logits for the next. */
    public Tensor decodeStep(int tokenId, KvCache kvCache) {
        kvCache.requireRoom(1);
        try (Tensor hidden = embed(new int[] {tokenId})) {
            return forward(hidden, kvCache);
        }
    }

    private Tensor forward(Tensor hidden, KvCache kvCache) {
        for (int i = 0; i < layers.size(); i++) {
            decoderLayer(hidden, layers.get(i), kvCache.keys(i), kvCache.values(i), kvCache.length());
        }
        kvCache.advance(hidden.rows());
        Tensor last = hidden.rowSlice(hidden.rows() - 1, 1);
        try (Tensor normed = engine.allocate(1, config.hiddenSize())) {
            engine.rmsNorm(normed, last, finalNorm, (float) config.rmsNormEps());
            engine.matmul(logits, normed, lmHead, null);
        }
        return logits;
    }

    /** {@code x += attention(rms(x)); x += mlp(rms(x))}. */
    private void decoderLayer(Tensor hidden, DecoderLayer layer, Tensor keys, Tensor values, int position) {
        try (Tensor normed = engine.allocate(hidden.rows(), config.hiddenSize())) {
            engine.rmsNorm(normed, hidden, layer.inputNorm(), (float) config.rmsNormEps());
            try (Tensor attended = attention(normed, layer, keys, values, position)) {
                engine.add(hidden, hidden, attended);
            }
            engine.rmsNorm(normed, hidden, layer.postAttentionNorm(), (float) config.rmsNormEps());
            try (Tensor mlpOut = mlp(normed, layer)) {
                engine.add(hidden, hidden, mlpOut);
            }
        }
    }

    /** Causal GQA: q, k rotated at their positions, k and v appended to the cache, q attends to all of it. */
    private Tensor attention(Tensor x, DecoderLayer layer, Tensor keys, Tensor values, int position) {
        int rows = x.rows();
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int headDim = config.headDim();
        try (Tensor qkv = engine.allocate(rows, layer.qkv().outputs());
                Tensor context = engine.allocate(rows, queryWidth)) {
            layer.qkv().apply(qkv, x);
            Tensor q = qkv.columnSlice(0, queryWidth);
            Tensor k = qkv.columnSlice(queryWidth, kvWidth);
            Tensor v = qkv.columnSlice(queryWidth + kvWidth, kvWidth);
            engine.rope(q, heads, headDim, position, config.ropeTheta());
            engine.rope(k, kvHeads, headDim, position, config.ropeTheta());
            engine.copy(keys.rowSlice(position, rows), k);
            engine.copy(values.rowSlice(position, rows), v);
            engine.attention(context, q, keys.rowSlice(0, position + rows), values.rowSlice(0, position + rows),
                    AttentionShape.causal(heads, kvHeads, headDim, position));
            Tensor out = engine.allocate(rows, config.hiddenSize());
            layer.oProj().apply(out, context);
            return out;
        }
    }

    /** {@code down(silu(gate(x)) · up(x))}. */
    Tensor mlp(Tensor x, DecoderLayer layer) {
        int inner = config.intermediateSize();
        try (Tensor gateUp = engine.allocate(x.rows(), layer.gateUp().outputs())) {
            layer.gateUp().apply(gateUp, x);
            Tensor gate = gateUp.columnSlice(0, inner);
            engine.siluGate(gate, gate, gateUp.columnSlice(inner, inner));
            Tensor out = engine.allocate(x.rows(), config.hiddenSize());
            layer.down().apply(out, gate);
            return out;
        }
    }

    private DecoderLayer loadLayer(Weights layer) {
        Weights attention = layer.under("self_attn.");
        Weights mlp = layer.under("mlp.");
        boolean attentionBias = config.attentionBias();
        boolean mlpBias = config.mlpBias();
        return new DecoderLayer(
                engine.weight(layer.get("input_layernorm.weight")),
                StackedLinear.of(engine,
                        List.of(attention.get("q_proj.weight"), attention.get("k_proj.weight"), attention.get("v_proj.weight")),
                        attentionBias ? List.of(attention.get("q_proj.bias"), attention.get("k_proj.bias"), attention.get("v_proj.bias")) : null),
                StackedLinear.single(engine, attention.get("o_proj.weight"), attentionBias ? attention.get("o_proj.bias") : null),
                engine.weight(layer.get("post_attention_layernorm.weight")),
                StackedLinear.of(engine, List.of(mlp.get("gate_proj.weight"), mlp.get("up_proj.weight")),
                        mlpBias ? List.of(mlp.get("gate_proj.bias"), mlp.get("up_proj.bias")) : null),
                StackedLinear.single(engine, mlp.get("down_proj.weight"), mlpBias ? mlp.get("down_proj.bias") : null));
    }

    @Override
    public void close() {
        logits.close();
    }
}
