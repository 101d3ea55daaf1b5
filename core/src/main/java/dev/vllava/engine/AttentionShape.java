package dev.vllava.engine;

/**
 * Head layout of one attention call. Queries are {@code [nq, heads·headDim]}, keys and values
 * {@code [nk, kvHeads·headDim]}; query head h reads key/value head {@code h / (heads / kvHeads)} (GQA).
 * Scores are scaled by {@code 1/sqrt(headDim)}.
 *
 * @param causal      when true, query row i sees key rows {@code 0..queryOffset + i} only
 * @param queryOffset position of query row 0 among the key rows (the tokens already in the KV cache)
 */
public record AttentionShape(int heads, int kvHeads, int headDim, boolean causal, int queryOffset) {

    public static AttentionShape full(int heads, int headDim) {
        return new AttentionShape(heads, heads, headDim, false, 0);
    }

    public static AttentionShape causal(int heads, int kvHeads, int headDim, int queryOffset) {
        return new AttentionShape(heads, kvHeads, headDim, true, queryOffset);
    }
}
