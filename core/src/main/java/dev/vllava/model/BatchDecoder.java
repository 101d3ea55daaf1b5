package dev.vllava.model;

import dev.vllava.config.TextConfig;
import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.model.LlamaDecoder.DecoderLayer;
import java.util.List;

/**
 * One decode step of several independent sequences together: sequence b feeds {@code tokens[b]} after
 * the tokens already in its own {@link KvCache}. Every linear layer is one matmul over the B rows, so
 * each weight is read from memory once per step for the whole batch (decoding is memory-bound: B
 * sequences cost little more than one); RoPE and attention run per sequence, at its own position over
 * its own cache, so the prompts may have any lengths.
 *
 * <p>Row b's logits are those of {@code decoder.decodeStep(tokens[b], caches.get(b))} whenever the engine
 * computes each row of a matmul independently of the other rows; the CPU engine does for up to
 * {@link #EXACT_ROWS} rows (see {@link BatchSession}).
 */
public final class BatchDecoder {
    /**
     * Rows the CPU engine multiplies in one pass over the weights with each row's sums formed exactly as
     * for a single row (its GEMV path); more rows go to the blocked GEMM, whose summation order differs.
     */
    public static final int EXACT_ROWS = 8;

    private final LlamaDecoder decoder;
    private final Engine engine;
    private final TextConfig config;
    private final int queryWidth;
    private final int kvWidth;

    public BatchDecoder(LlamaDecoder decoder) {
        this.decoder = decoder;
        this.engine = decoder.engine();
        this.config = decoder.config();
        this.queryWidth = config.numAttentionHeads() * config.headDim();
        this.kvWidth = config.numKeyValueHeads() * config.headDim();
    }

    /**
     * Feeds {@code tokens[b]} to the sequence of {@code caches.get(b)} and returns the logits that follow,
     * {@code [B, vocab]}: a new tensor the caller closes. Each cache grows by one token.
     */
    public Tensor step(int[] tokens, List<KvCache> caches) {
        if (tokens.length != caches.size() || tokens.length == 0) {
            throw new IllegalArgumentException(tokens.length + " tokens for " + caches.size() + " caches");
        }
        caches.forEach(cache -> cache.requireRoom(1));
        try (Tensor hidden = decoder.embed(tokens)) {
            List<DecoderLayer> layers = decoder.layers();
            for (int i = 0; i < layers.size(); i++) {
                decoderLayer(hidden, layers.get(i), i, caches);
            }
            caches.forEach(cache -> cache.advance(1));
            return logits(hidden);
        }
    }

    /** {@code x += attention(rms(x)); x += mlp(rms(x))}, all rows at once. */
    private void decoderLayer(Tensor hidden, DecoderLayer layer, int index, List<KvCache> caches) {
        float eps = (float) config.rmsNormEps();
        try (Tensor normed = engine.allocate(hidden.rows(), config.hiddenSize())) {
            engine.rmsNorm(normed, hidden, layer.inputNorm(), eps);
            try (Tensor attended = attention(normed, layer, index, caches)) {
                engine.add(hidden, hidden, attended);
            }
            engine.rmsNorm(normed, hidden, layer.postAttentionNorm(), eps);
            try (Tensor mlpOut = decoder.mlp(normed, layer)) {
                engine.add(hidden, hidden, mlpOut);
            }
        }
    }

    /** q|k|v and the output projection over all rows; each row attends within its own sequence. */
    private Tensor attention(Tensor x, DecoderLayer layer, int index, List<KvCache> caches) {
        int rows = x.rows();
        try (Tensor qkv = engine.allocate(rows, layer.qkv().outputs());
                Tensor context = engine.allocate(rows, queryWidth)) {
            layer.qkv().apply(qkv, x);
            for (int b = 0; b < rows; b++) {
                attendInSequence(qkv.rowSlice(b, 1), context.rowSlice(b, 1), caches.get(b), index);
            }
            Tensor out = engine.allocate(rows, config.hiddenSize());
            layer.oProj().apply(out, context);
            return out;
        }
    }

    /** One sequence's row: q, k rotated at its position, k and v appended to its cache, q attends to all of it. */
    private void attendInSequence(Tensor qkvRow, Tensor contextRow, KvCache cache, int layer) {
        int position = cache.length();
        Tensor q = qkvRow.columnSlice(0, queryWidth);
        Tensor k = qkvRow.columnSlice(queryWidth, kvWidth);
        Tensor v = qkvRow.columnSlice(queryWidth + kvWidth, kvWidth);
        engine.rope(q, config.numAttentionHeads(), config.headDim(), position, config.ropeTheta());
        engine.rope(k, config.numKeyValueHeads(), config.headDim(), position, config.ropeTheta());
        engine.copy(cache.keys(layer).rowSlice(position, 1), k);
        engine.copy(cache.values(layer).rowSlice(position, 1), v);
        engine.attention(contextRow, q, cache.keys(layer).rowSlice(0, position + 1),
                cache.values(layer).rowSlice(0, position + 1),
                AttentionShape.causal(config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim(), position));
    }

    /** Final norm and {@code lm_head} over every row. */
    private Tensor logits(Tensor hidden) {
        try (Tensor normed = engine.allocate(hidden.rows(), config.hiddenSize())) {
            engine.rmsNorm(normed, hidden, decoder.finalNorm(), (float) config.rmsNormEps());
            Tensor logits = engine.allocate(hidden.rows(), decoder.vocabularySize());
            engine.matmul(logits, normed, decoder.lmHead(), null);
            return logits;
        }
    }
}
