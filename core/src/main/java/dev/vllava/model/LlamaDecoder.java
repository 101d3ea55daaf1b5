package dev.vllava.model;

import dev.vllava.VllavaException;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.config.TextConfig;
import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The Llama language model ({@code language_model.*}): pre-norm decoder layers with RMSNorm, RoPE
 * (rotate-half), grouped-query causal attention over each sequence's {@link KvCache} and a SiLU-gated
 * MLP, then the final norm and {@code lm_head}.
 *
 * <p>There is one forward pass, {@link #forward}: a step over several sequences, each feeding its
 * own new rows (a whole prompt when prefilling, one token when decoding) after the tokens already in
 * its own cache. Every linear layer is one matmul over all the step's rows, so each weight is read
 * once per step for the whole batch; RoPE and attention run per sequence, at its own positions over
 * its own cache. {@link #prefill}, {@link #decodeStep(int, KvCache)} and the batched
 * {@link #decodeStep(int[], List)} are that pass with one sequence, one token, or one token per sequence.
 *
 * <p>Activations live in a workspace allocated once, when the decoder is loaded, for the largest step
 * it runs ({@link StepLimits}): a step with more rows (a long prompt) runs as several passes of at most
 * {@link StepLimits#rows()} rows, each sequence's rows in order, so no step allocates or clears engine
 * memory. The logits a step returns are a view of the workspace: valid until the next step. One step
 * runs at a time (the workspace is the session's).
 */
public final class LlamaDecoder implements AutoCloseable {
    private final Engine engine;
    private final TextConfig config;
    private final Tensor embedTokens;
    private final List<DecoderLayer> layers = new ArrayList<>();
    private final Tensor finalNorm;
    private final Tensor lmHead;
    private final int queryWidth;
    private final int kvWidth;
    private final float eps;
    private final AttentionShape heads;
    private final KeyRotation keyRotation;
    private final StepLimits limits;
    private final Workspace work;
    private final DType kvDtype;
    private final KvBlockPool blocks;

    /**
     * The largest step the workspace holds: {@code rows} new rows in one pass (a longer prefill runs in
     * passes of this many; llama.cpp's default micro-batch) and {@code sequences} sequences in one step
     * (their logits rows).
     */
    public record StepLimits(int rows, int sequences) {
        public static final StepLimits DEFAULT = new StepLimits(512, 64);

        public StepLimits {
            if (sequences < 1 || rows < sequences) {
                throw new IllegalArgumentException("step limits need 1 <= sequences <= rows, got " + sequences + " sequences, " + rows + " rows");
            }
        }
    }

    /** One sequence's part of a step: its cache and the number of new rows it feeds. */
    public record SequenceRows(KvCache cache, int rows) {
        public SequenceRows {
            if (rows < 1) {
                throw new IllegalArgumentException("a sequence feeds at least one row, got " + rows);
            }
        }
    }

    private record DecoderLayer(Tensor inputNorm, StackedLinear qkv, StackedLinear oProj,
            Tensor postAttentionNorm, StackedLinear gateUp, StackedLinear down) {}

    /** The step's activations, reused from step to step. */
    private record Workspace(ReusedTensor hidden, ReusedTensor normed, ReusedTensor qkv, ReusedTensor context,
            ReusedTensor delta, ReusedTensor gateUp, ReusedTensor lastRows, ReusedTensor logits) implements AutoCloseable {
        @Override
        public void close() {
            List.of(hidden, normed, qkv, context, delta, gateUp, lastRows, logits).forEach(ReusedTensor::close);
        }
    }

    LlamaDecoder(Engine engine, TextConfig config, CheckpointTensors weights, StepLimits limits) {
        this.engine = engine;
        this.config = config;
        this.limits = limits;
        this.queryWidth = config.numAttentionHeads() * config.headDim();
        this.kvWidth = config.numKeyValueHeads() * config.headDim();
        this.eps = (float) config.rmsNormEps();
        this.heads = AttentionShape.causal(config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim(), 0);
        this.keyRotation = new KeyRotation(config.numKeyValueHeads(), config.headDim(), config.ropeTheta());
        CheckpointTensors model = weights.under("model.");
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
        int hidden = config.hiddenSize();
        DecoderLayer first = layers.getFirst();
        this.kvDtype = engine.kvCacheDtype(embedding.dtype());
        this.blocks = new KvBlockPool(engine, layers.size(), kvWidth, KvBlockPool.DEFAULT_BLOCK_SIZE, kvDtype);
        int rows = limits.rows();
        this.work = new Workspace(new ReusedTensor(engine, rows, hidden), new ReusedTensor(engine, rows, hidden),
                new ReusedTensor(engine, rows, first.qkv().outputs()), new ReusedTensor(engine, rows, queryWidth),
                new ReusedTensor(engine, rows, hidden), new ReusedTensor(engine, rows, first.gateUp().outputs()),
                new ReusedTensor(engine, limits.sequences(), hidden), new ReusedTensor(engine, limits.sequences(), lmHead.rows()));
    }

    public TextConfig config() {
        return config;
    }

    /** The largest step the workspace holds. */
    public StepLimits stepLimits() {
        return limits;
    }

    /** Rows of {@code lm_head}: the width of a logits row. */
    public int vocabularySize() {
        return lmHead.rows();
    }

    /** A cache for {@code contextLength} tokens (at most max_position_embeddings). */
    public KvCache newKvCache(int contextLength) {
        requireContext(contextLength);
        return new KvCache(new ContiguousKvStorage(engine, layers.size(), contextLength, kvWidth, kvDtype));
    }

    /**
     * A cache for {@code contextLength} tokens in shared blocks: memory is taken as tokens arrive, and its
     * {@link KvCache#fork forks} share the blocks already written (a media prefix held once for many questions).
     */
    public KvCache newPagedKvCache(int contextLength) {
        requireContext(contextLength);
        return new KvCache(new PagedKvStorage(engine, blocks, contextLength));
    }

    /** The dtype its KV caches store keys and values in, as the engine chose it for the weights' dtype. */
    public DType kvDtype() {
        return kvDtype;
    }

    /** KV blocks held now by paged caches, and at most so far. */
    public KvBlocks kvBlocks() {
        return new KvBlocks(blocks.blocksHeld(), blocks.peakBlocksHeld(), blocks.blockSize(), blocks.bytesPerBlock());
    }

    /** How much paged KV memory is held: blocks of {@code blockSize} positions, {@code bytesPerBlock} each. */
    public record KvBlocks(int held, int peak, int blockSize, long bytesPerBlock) {}

    private void requireContext(int contextLength) {
        if (contextLength <= 0) {
            throw VllavaException.usage("context length must be positive, got %d", contextLength);
        }
        if (contextLength > config.maxPositionEmbeddings()) {
            throw VllavaException.usage("context length %d exceeds the model's max_position_embeddings %d",
                    contextLength, config.maxPositionEmbeddings());
        }
    }

    /** Token embeddings {@code [ids.length, hidden]} (a new tensor). */
    public Tensor embed(int[] ids) {
        Tensor out = engine.allocate(ids.length, config.hiddenSize());
        engine.embed(out, embedTokens, ids);
        return out;
    }

    /** Runs {@code embeddings [n, hidden]} after the cached tokens; returns the logits of the last one ({@code [1, vocab]}). */
    public Tensor prefill(Tensor embeddings, KvCache kvCache) {
        return forward(embeddings, List.of(new SequenceRows(kvCache, embeddings.rows())));
    }

    /** Feeds one token after the cached ones; returns the logits for the next ({@code [1, vocab]}). */
    public Tensor decodeStep(int tokenId, KvCache kvCache) {
        return decodeStep(new int[] {tokenId}, List.of(kvCache));
    }

    /**
     * One decode step of several sequences: {@code tokens[b]} is fed after the tokens in {@code caches.get(b)}.
     * Returns the logits that follow, {@code [B, vocab]}, row b for sequence b; each cache grows by one.
     * Sequences may join or leave between calls (a server's continuous batching): a step knows only the
     * caches it is given. Row b equals {@code decodeStep(tokens[b], caches.get(b))} bit for bit when B is at
     * most the engine's {@link Engine#rowIndependentMatmulRows()}.
     */
    public Tensor decodeStep(int[] tokens, List<KvCache> caches) {
        if (tokens.length != caches.size()) {
            throw new IllegalArgumentException(tokens.length + " tokens for " + caches.size() + " caches");
        }
        List<SequenceRows> sequences = caches.stream().map(cache -> new SequenceRows(cache, 1)).toList();
        requireValid(sequences, tokens.length);
        Tensor hidden = work.hidden().rows(tokens.length);
        engine.embed(hidden, embedTokens, tokens);
        Tensor logits = work.logits().rows(sequences.size());
        logits(layers(hidden, sequences), sequences, logits);
        return logits;
    }

    /**
     * The forward pass: {@code embeddings} holds each sequence's new rows, in the order of {@code sequences};
     * returns the logits of each sequence's last row, {@code [sequences, vocab]}. Every cache must have room
     * for its rows (checked before anything runs) and grows by them. Rows beyond {@link StepLimits#rows()}
     * run in further passes, a sequence's later rows after its earlier ones (a long prompt in pieces).
     */
    public Tensor forward(Tensor embeddings, List<SequenceRows> sequences) {
        requireValid(sequences, embeddings.rows());
        Tensor logits = work.logits().rows(sequences.size());
        for (Pass pass : passes(sequences)) {
            Tensor hidden = work.hidden().rows(pass.rows());
            engine.copy(hidden, embeddings.rowSlice(pass.firstRow(), pass.rows()));
            Tensor normed = layers(hidden, pass.pieces());
            if (pass.ended() > 0) {
                logits(normed, pass.pieces().subList(0, pass.ended()), logits.rowSlice(pass.firstSequence(), pass.ended()));
            }
        }
        return logits;
    }

    /**
     * Rows {@code [firstRow, firstRow + rows)} of a step, fed as {@code pieces} (a sequence's rows, or part of
     * them). Its first {@code ended} pieces end their sequences, the step's sequences from
     * {@code firstSequence} on; only its last piece may go on in the next pass.
     */
    private record Pass(int firstRow, int rows, List<SequenceRows> pieces, int firstSequence, int ended) {}

    /** Cuts a step into passes of at most {@link StepLimits#rows()} rows, each sequence's rows in order. */
    private List<Pass> passes(List<SequenceRows> sequences) {
        List<Pass> passes = new ArrayList<>();
        int row = 0;
        int next = 0;       // the first sequence not yet fed all its rows
        int fed = 0;        // rows of that sequence fed by earlier passes
        while (next < sequences.size()) {
            int firstSequence = next;
            int rows = 0;
            List<SequenceRows> pieces = new ArrayList<>();
            while (next < sequences.size() && rows < limits.rows()) {
                SequenceRows sequence = sequences.get(next);
                int taken = Math.min(sequence.rows() - fed, limits.rows() - rows);
                pieces.add(new SequenceRows(sequence.cache(), taken));
                rows += taken;
                fed += taken;
                if (fed == sequence.rows()) {
                    next++;
                    fed = 0;
                }
            }
            passes.add(new Pass(row, rows, pieces, firstSequence, next - firstSequence));
            row += rows;
        }
        return passes;
    }

    private void requireValid(List<SequenceRows> sequences, int rows) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("a step needs at least one sequence");
        }
        if (sequences.size() > limits.sequences()) {
            throw new IllegalArgumentException("a step of " + sequences.size() + " sequences exceeds the workspace's " + limits.sequences());
        }
        if (sequences.stream().mapToInt(SequenceRows::rows).sum() != rows) {
            throw new IllegalArgumentException(rows + " rows for sequences of " + sequences.stream().map(SequenceRows::rows).toList());
        }
        Set<KvCache> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        for (SequenceRows sequence : sequences) {
            if (!distinct.add(sequence.cache())) {
                throw new IllegalArgumentException("a cache appears twice in one step");
            }
            sequence.cache().requireRoom(sequence.rows());
        }
    }

    /**
     * One pass through the layers, {@code x += attention(rms(x)); x += mlp(rms(x))} per layer, written with
     * the fused residual norm: each residual add also norms for the next block (the last one with the final
     * norm). Returns the final-normed rows; each cache grows by its rows.
     */
    private Tensor layers(Tensor hidden, List<SequenceRows> sequences) {
        int rows = hidden.rows();
        Tensor normed = work.normed().rows(rows);
        Tensor delta = work.delta().rows(rows);
        engine.rmsNorm(normed, hidden, layers.getFirst().inputNorm(), eps);
        for (int i = 0; i < layers.size(); i++) {
            DecoderLayer layer = layers.get(i);
            attention(delta, normed, layer, i, sequences);
            engine.addRmsNorm(normed, hidden, delta, layer.postAttentionNorm(), eps);
            mlp(delta, normed, layer);
            engine.addRmsNorm(normed, hidden, delta, i + 1 < layers.size() ? layers.get(i + 1).inputNorm() : finalNorm, eps);
        }
        sequences.forEach(sequence -> sequence.cache().advance(sequence.rows()));
        return normed;
    }

    /** Causal GQA per sequence: q, k rotated at the sequence's positions, k and v stored in its cache, q attends to all of it. */
    private void attention(Tensor out, Tensor x, DecoderLayer layer, int index, List<SequenceRows> sequences) {
        Tensor qkv = work.qkv().rows(x.rows());
        Tensor context = work.context().rows(x.rows());
        layer.qkv().apply(qkv, x);
        int first = 0;
        for (SequenceRows sequence : sequences) {
            Tensor rows = qkv.rowSlice(first, sequence.rows());
            Tensor q = rows.columnSlice(0, queryWidth);
            Tensor k = rows.columnSlice(queryWidth, kvWidth);
            KvCache cache = sequence.cache();
            engine.rope(q, config.numAttentionHeads(), config.headDim(), cache.length(), config.ropeTheta());
            cache.store(index, k, rows.columnSlice(queryWidth + kvWidth, kvWidth), keyRotation); // RoPE fused with the write
            cache.attend(index, context.rowSlice(first, sequence.rows()), q, heads);
            first += sequence.rows();
        }
        layer.oProj().apply(out, context);
    }

    /** {@code out = down(silu(gate(x)) · up(x))}. */
    private void mlp(Tensor out, Tensor x, DecoderLayer layer) {
        int inner = config.intermediateSize();
        Tensor gateUp = work.gateUp().rows(x.rows());
        layer.gateUp().apply(gateUp, x);
        Tensor gate = gateUp.columnSlice(0, inner);
        engine.siluGate(gate, gate, gateUp.columnSlice(inner, inner));
        layer.down().apply(out, gate);
    }

    /**
     * {@code lm_head} of the last row of each of {@code sequences}, which lead {@code normed}'s rows, into
     * {@code out}: the rows themselves when each sequence has one, else gathered first.
     */
    private void logits(Tensor normed, List<SequenceRows> sequences, Tensor out) {
        Tensor last = normed.rowSlice(0, sequences.size());
        if (sequences.stream().anyMatch(sequence -> sequence.rows() > 1)) {
            last = work.lastRows().rows(sequences.size());
            int end = 0;
            for (int b = 0; b < sequences.size(); b++) {
                end += sequences.get(b).rows();
                engine.copy(last.rowSlice(b, 1), normed.rowSlice(end - 1, 1));
            }
        }
        engine.matmul(out, last, lmHead, null);
    }

    private DecoderLayer loadLayer(CheckpointTensors layer) {
        CheckpointTensors attention = layer.under("self_attn.");
        CheckpointTensors mlp = layer.under("mlp.");
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
        work.close();
    }
}
