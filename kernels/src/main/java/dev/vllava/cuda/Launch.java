package dev.vllava.cuda;

import dev.vllava.VllavaException;

/**
 * Grid and block sizes of every kernel launch, as pure arithmetic (tested without a GPU in
 * {@code LaunchTest}); the comments in the .cu files describe the same shapes. The constants below
 * that a kernel also {@code #define}s are the kernel's values, checked against the .cu sources by
 * {@code LaunchConstantsTest}. Every kernel uses static shared memory only, so a launch asks for no
 * dynamic shared memory.
 */
public record Launch(int gridX, int gridY, int gridZ, int blockX) {
    static final int MAX_GRID_Y = 65_535;
    static final int ELEMENTWISE_THREADS = 256;
    static final int ROW_THREADS = 256;
    static final int KEY_TILE = 32;
    static final int QUERY_ROWS = 16;
    static final int ATTENTION_THREADS = 128;
    static final int GEMV_ROWS_PER_BLOCK = 8;
    static final int GEMV_MAX_BATCH = 8;
    static final int SAMPLE_THREADS = 1024;
    /** Column blocks per row are capped so a wide row does not make millions of tiny blocks. */
    static final int MAX_COLUMN_BLOCKS = 64;

    /** 2-D element-wise kernels: x over columns, y over rows (both loop). */
    public static Launch elementwise(int rows, int columns) {
        int columnBlocks = Math.clamp(ceilDiv(columns, ELEMENTWISE_THREADS), 1, MAX_COLUMN_BLOCKS);
        return new Launch(columnBlocks, Math.clamp(rows, 1, MAX_GRID_Y), 1, ELEMENTWISE_THREADS);
    }

    /** 1-D grid-stride kernels over n elements. */
    public static Launch linear(long n) {
        long blocks = Math.clamp((n + ELEMENTWISE_THREADS - 1) / ELEMENTWISE_THREADS, 1, 65_536);
        return new Launch((int) blocks, 1, 1, ELEMENTWISE_THREADS);
    }

    /** One block per row (norms, embeddings, RoPE, patch kernels). */
    public static Launch perRow(int rows) {
        return new Launch(Math.max(rows, 1), 1, 1, ROW_THREADS);
    }

    /** The attention kernel instance for a head size: 64 covers 1..64, 128 covers 65..128. */
    public static int attentionMaxHeadDim(int headDim) {
        if (headDim <= 0 || headDim > 128) {
            throw VllavaException.checkpoint("head dimension %d is not supported by the CUDA attention kernels (1..128)", headDim);
        }
        return headDim <= 64 ? 64 : 128;
    }

    /** Tiled flash attention: a block per 16 query rows and head. */
    public static Launch flashAttention(int queries, int heads, int headDim) {
        attentionMaxHeadDim(headDim);
        return new Launch(ceilDiv(queries, QUERY_ROWS), heads, 1, ATTENTION_THREADS);
    }

    /**
     * The static shared memory of the flash-attention instance for {@code headDim}: the Q tile, the K tile
     * padded by one column (conflict-free score reads) and the V tile, in floats. It must stay within the
     * 48 KB that static shared memory may take.
     */
    static int flashAttentionSharedBytes(int headDim) {
        int dmax = attentionMaxHeadDim(headDim);
        return Float.BYTES * (QUERY_ROWS * dmax + KEY_TILE * (dmax + 1) + KEY_TILE * dmax);
    }

    /** Split-K decode attention: the key range in {@code splits} chunks of {@code chunk} keys. */
    public record DecodeSplit(Launch launch, int splits, int chunk) {}

    /**
     * Splits so that heads × splits × queries blocks fill the GPU about twice (two 128-thread blocks per
     * SM at least), each split covering a multiple of 32 keys and at least 64.
     */
    public static DecodeSplit flashDecode(int keys, int heads, int queries, int multiprocessors) {
        int wantedBlocks = 2 * Math.max(multiprocessors, 1);
        int perQuery = Math.max(1, heads * queries);
        int splits = Math.clamp(ceilDiv(wantedBlocks, perQuery), 1, Math.max(1, ceilDiv(keys, 64)));
        int chunk = ceilDiv(ceilDiv(Math.max(keys, 1), splits), KEY_TILE) * KEY_TILE;
        splits = ceilDiv(Math.max(keys, 1), chunk);
        Launch launch = new Launch(splits, heads, queries, ATTENTION_THREADS);
        return new DecodeSplit(launch, splits, chunk);
    }

    /**
     * The most (query row, head, split) partial results {@link #flashDecode} makes for any context with at
     * most {@code maxQueries} rows: the splits never exceed those that fill the GPU, so the decode scratch
     * is sized once for the model, not grown with the context.
     */
    static long flashDecodeMaxSlots(int heads, int maxQueries, int multiprocessors) {
        long most = 0;
        for (int queries = 1; queries <= maxQueries; queries++) {
            int splits = Math.max(1, ceilDiv(2 * Math.max(multiprocessors, 1), Math.max(1, heads * queries)));
            most = Math.max(most, (long) queries * heads * splits);
        }
        return most;
    }

    /** Merging decode splits: a block per (head, query row). */
    public static Launch attentionCombine(int heads, int queries) {
        return new Launch(heads, queries, 1, ATTENTION_THREADS);
    }

    /** One query row's attention probabilities: a block per head (static shared memory for the query slice). */
    public static Launch attentionRow(int heads, int headDim) {
        attentionMaxHeadDim(headDim);
        return new Launch(heads, 1, 1, ROW_THREADS);
    }

    /** Decode GEMV: a warp per output row, 8 rows per block. */
    public static Launch gemv(int rowsOut) {
        return new Launch(ceilDiv(rowsOut, GEMV_ROWS_PER_BLOCK), 1, 1, 32 * GEMV_ROWS_PER_BLOCK);
    }

    /**
     * Whether the 128-bit GEMV kernel applies: 1..8 rows of x, 8 weights per load along whole rows,
     * float4-aligned x rows (byte addresses given).
     */
    public static boolean gemvApplies(int batch, int columns, int weightStride, int xStride, long xAddress,
                                      long weightAddress) {
        return batch >= 1 && batch <= GEMV_MAX_BATCH && columns % 8 == 0 && weightStride % 8 == 0
                && xStride % 4 == 0 && xAddress % 16 == 0 && weightAddress % 16 == 0;
    }

    public static Launch sample() {
        return new Launch(1, 1, 1, SAMPLE_THREADS);
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
