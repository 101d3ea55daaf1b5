package dev.vllava.engine;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import java.util.List;

/**
 * The operations the model is written against (ggml-style: the model is written once, each backend
 * implements the operations). All tensors are 2-D ({@link Tensor}); activations are F32, weights keep
 * their checkpoint dtype and all arithmetic accumulates in F32. Outputs may alias an input only where
 * a method says so.
 */
public interface Engine extends AutoCloseable {

    /** "cpu" or "cuda", as {@code --backend} names it. */
    String name();

    // ---- storage ------------------------------------------------------------------------------

    /** A weight in its stored dtype, viewed as {@code [shape[0], product of the rest]}. */
    Tensor weight(TensorData data);

    /**
     * Weights with the same column count stacked along rows (q/k/v or gate/up), so that one matmul
     * computes all of them; the result's columns are the parts' outputs side by side.
     */
    Tensor weightRows(List<TensorData> parts);

    /** A zeroed F32 activation tensor. */
    Tensor allocate(int rows, int columns);

    /**
     * A zeroed tensor stored as {@code dtype}, for data kept in a narrower type than activations (a KV
     * cache in {@link #kvCacheDtype}); {@link #copy} converts into it, and only the operations that say so
     * read it. The default stores F32 only.
     */
    default Tensor allocate(int rows, int columns, DType dtype) {
        if (dtype != DType.F32) {
            throw new IllegalArgumentException(name() + " engine stores no " + dtype + " tensors");
        }
        return allocate(rows, columns);
    }

    Tensor upload(float[] values, int rows, int columns);

    /** The tensor's values, row-major, {@code rows × columns} (no stride gaps), as F32. */
    float[] download(Tensor tensor);

    /** {@code dst ← src}; shapes must match; into a narrower dtype rounds to nearest even. */
    void copy(Tensor dst, Tensor src);

    // ---- arithmetic ---------------------------------------------------------------------------

    /** {@code out[n,o] = Σ_i x[n,i]·weight[o,i] (+ bias[0,o])}; bias may be null. */
    void matmul(Tensor out, Tensor x, Tensor weight, Tensor bias);

    /**
     * {@code out = fn(x·weightᵀ + bias)}, the bias and activation fused where the engine can (bias may be null).
     * The default is {@link #matmul} then {@link #activate}.
     */
    default void matmulActivate(Tensor out, Tensor x, Tensor weight, Tensor bias, Activation fn) {
        matmul(out, x, weight, bias);
        activate(out, fn);
    }

    /** {@code out = a + b}, element-wise; out may alias a or b. */
    void add(Tensor out, Tensor a, Tensor b);

    /** Llama RMSNorm per row: {@code x / sqrt(mean(x²) + eps) · weight}; out may alias x. */
    void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps);

    /**
     * The pre-norm residual step, fused where the engine can: {@code residual ← residual + delta; out =
     * rmsNorm(residual)}. out must not alias residual or delta. The default is the two primitives.
     */
    default void addRmsNorm(Tensor out, Tensor residual, Tensor delta, Tensor weight, float eps) {
        add(residual, residual, delta);
        rmsNorm(out, residual, weight, eps);
    }

    /** LayerNorm per row with biased variance, as torch: {@code (x - μ) / sqrt(σ² + eps) · weight + bias}; out may alias x. */
    void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps);

    /** {@code x ← fn(x)} in place. */
    void activate(Tensor x, Activation fn);

    /** {@code out = silu(gate) · up}; out may alias gate. */
    void siluGate(Tensor out, Tensor gate, Tensor up);

    /**
     * Rotary position embedding in place, transformers' rotate-half layout: within each head, element
     * j &lt; headDim/2 pairs with j + headDim/2, at frequency {@code theta^(-2j/headDim)}. Row r is at
     * position {@code firstPosition + r}.
     */
    void rope(Tensor x, int heads, int headDim, int firstPosition, double theta);

    /**
     * RoPE fused with the KV-cache write: {@code dst ← rope(keys)} ({@link #rope}'s rotation, row r at position
     * {@code firstPosition + r}), converted to dst's dtype (the cache's, {@link #kvCacheDtype}). {@code keys} is
     * scratch afterwards: the default rotates it in place and copies it; engines that fuse the two read it once
     * and write only dst.
     */
    default void ropeInto(Tensor dst, Tensor keys, int heads, int headDim, int firstPosition, double theta) {
        rope(keys, heads, headDim, firstPosition, theta);
        copy(dst, keys);
    }

    /** Softmax attention {@code out = softmax(q·kᵀ/sqrt(d) + mask)·v} per head; out must not alias q, k or v. */
    void attention(Tensor out, Tensor q, Tensor k, Tensor v, AttentionShape shape);

    /**
     * {@link #attention(Tensor, Tensor, Tensor, Tensor, AttentionShape) attention} over keys and values held in
     * the blocks of a paged KV cache, read through the block table: the result is the one over the rows
     * gathered into one tensor. Engines with a kernel that reads the table (CPU, CUDA) override this default,
     * which makes that gathered copy.
     */
    default void attention(Tensor out, Tensor q, KvBlockTable kv, AttentionShape shape) {
        int columns = kv.keys().getFirst().columns();
        try (Tensor keys = allocate(kv.rows(), columns); Tensor values = allocate(kv.rows(), columns)) {
            for (int b = 0; b < kv.blockCount(); b++) {
                int rows = kv.rowsIn(b);
                copy(keys.rowSlice(b * kv.blockRows(), rows), kv.keys().get(b).rowSlice(0, rows));
                copy(values.rowSlice(b * kv.blockRows(), rows), kv.values().get(b).rowSlice(0, rows));
            }
            attention(out, q, keys, values, shape);
        }
    }

    /**
     * The attention probabilities of query row {@code queryRow} alone, per head:
     * {@code out[h, j] = softmax_j(q[queryRow]·k[j]ᵀ/sqrt(d) + mask)} for head h, {@code out} being
     * {@code [heads, k.rows]} (masked keys get 0). What the vision tower needs to rank patch tokens by
     * their [CLS] attention (see {@code VisualTokenSelection}).
     */
    void attentionProbabilities(Tensor out, Tensor q, Tensor k, int queryRow, AttentionShape shape);

    /** {@code out[r] = table[ids[r]]}. */
    void embed(Tensor out, Tensor table, int[] ids);

    /** Index of the largest value of a one-row tensor (the first on ties, as torch.argmax). */
    int argmax(Tensor row);

    // ---- capabilities -------------------------------------------------------------------------

    /**
     * The dtype this engine keeps a KV cache in for a model whose weights are stored as {@code weights}
     * ({@link #attention} reads keys and values of that dtype). The default, F32, changes nothing in the
     * model's arithmetic.
     */
    default DType kvCacheDtype(DType weights) {
        return DType.F32;
    }

    /**
     * Most input rows for which {@link #matmul} forms every output row exactly as it would for that
     * row alone (same summation order). Sequences decoding together in groups of at most this many
     * rows get bit for bit the logits each would get on its own; larger groups may differ in the
     * last bits. Engines that promise nothing return 1.
     */
    default int rowIndependentMatmulRows() {
        return 1;
    }

    /**
     * What the engine changes in the stored weights as it places them (a quantization at load,
     * {@code --weights}), or "" when it computes with them as stored. Anything keyed by the weights,
     * such as the feature cache, folds it in: the same checkpoint gives other results through it.
     */
    default String weightsAtLoad() {
        return "";
    }

    /** Bytes of engine memory held now and at most so far (weights excluded where they stay memory-mapped). */
    MemoryUse memoryUse();

    @Override
    void close();

    record MemoryUse(long currentBytes, long peakBytes) {}
}
