// Softmax attention over row-strided F32 views (q [nq, heads·d], k/v [nk, kv_heads·d], out [nq, heads·d]),
// FP32 math, online softmax (no nq×nk score matrix anywhere). Query head h reads kv head
// h / (heads / kv_heads) (GQA). Causal: query row i sees keys 0 .. query_offset + i.
// Kernels are instantiated for DMAX = 64 and 128; any head_dim ≤ DMAX runs on them (tiny models use 8, 16).
// Each comes twice: K/V as one row-strided matrix (flash_*_d64/_d128), and K/V in the blocks of a paged KV
// cache read in place through a block table (flash_*_paged_d64/_d128; the host uploads the table, one device
// address per block). The two differ only in how key row j is found (StridedRows, BlockRows), so they compute
// the same sums in the same order. K/V are stored as the KV cache's dtype (suffix _f32, _f16, _bf16; the
// engine keeps its cache in F16, the vision tower's K/V are F32 activations) and widened to FP32 on load.
#include "common.cuh"

// Rows of K or V as one row-strided matrix.
template <typename T>
struct StridedRows {
    const T* base;
    int stride;
    __device__ __forceinline__ const T* row(int j) const { return base + (long) j * stride; }
};

// Rows of K or V in fixed-size blocks: row j is row j % block_rows of the block at table[j / block_rows]
// (every block has the same row stride). Consecutive rows of a 32-key tile span at most 3 blocks of 16.
template <typename T>
struct BlockRows {
    const unsigned long long* table;
    int block_rows;
    int stride;
    __device__ __forceinline__ const T* row(int j) const {
        return reinterpret_cast<const T*>(table[j / block_rows]) + (long) (j % block_rows) * stride;
    }
};

#define KEY_TILE 32          // keys per tile: one per lane in the score phase
#define QUERY_ROWS 16        // query rows per prefill block (4 warps × 4 rows)
#define ROWS_PER_WARP 4
#define LOG2E 1.4426950408889634f

// --- prefill / vision: tiled flash attention -------------------------------------------------------
// Launch shape: grid (ceil(nq/16), heads), block 128 threads (4 warps), static shared memory
// 16·DMAX + 32·(DMAX+1) + 32·DMAX floats (41 KB at DMAX 128). Each block stages its 16 query rows and
// then 32-key tiles of K and V in shared memory; each warp owns 4 query rows. Score phase: lane j scores
// key j against a query row (q broadcast from shared memory, K rows padded to DMAX+1 so the 32 lanes hit
// 32 banks); softmax statistics are warp shuffles; value phase: lane owns output dims lane, lane+32, ...
// and accumulates p_j·V[j] with p_j broadcast by shuffle. Why fast: every K/V element read from global
// memory once per 16 query rows, no score matrix in memory, FP32 registers for the running max/sum.
template <int DMAX, typename Rows>
__device__ void flash_attention(float* out, int out_stride, const float* q, int q_stride, Rows k, Rows v, int nq,
                                int nk, int heads, int kv_heads, int head_dim, int causal, int query_offset,
                                float scale) {
    constexpr int PER_LANE = DMAX / 32;
    __shared__ float q_tile[QUERY_ROWS][DMAX];
    __shared__ float k_tile[KEY_TILE][DMAX + 1];
    __shared__ float v_tile[KEY_TILE][DMAX];
    int head = blockIdx.y, kv_head = head / (heads / kv_heads);
    int q0 = blockIdx.x * QUERY_ROWS, lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    float qscale = scale * LOG2E;  // scores in log2 units so that exp2f is the softmax exponential

    for (int i = threadIdx.x; i < QUERY_ROWS * DMAX; i += blockDim.x) {
        int r = i / DMAX, d = i % DMAX;
        bool inside = q0 + r < nq && d < head_dim;
        q_tile[r][d] = inside ? AT(q, q0 + r, head * head_dim + d, q_stride) * qscale : 0.0f;
    }
    float m[ROWS_PER_WARP], l[ROWS_PER_WARP], o[ROWS_PER_WARP][PER_LANE];
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        m[r] = -INFINITY;
        l[r] = 0.0f;
        for (int i = 0; i < PER_LANE; i++) o[r][i] = 0.0f;
    }
    int key_end = causal ? min(nk, query_offset + min(q0 + QUERY_ROWS, nq)) : nk;

    for (int t = 0; t < key_end; t += KEY_TILE) {
        __syncthreads();
        for (int i = threadIdx.x; i < KEY_TILE * DMAX; i += blockDim.x) {
            int j = i / DMAX, d = i % DMAX;
            bool inside = t + j < nk && d < head_dim;
            k_tile[j][d] = inside ? load(k.row(t + j), kv_head * head_dim + d) : 0.0f;
            v_tile[j][d] = inside ? load(v.row(t + j), kv_head * head_dim + d) : 0.0f;
        }
        __syncthreads();
        for (int r = 0; r < ROWS_PER_WARP; r++) {
            int row = warp * ROWS_PER_WARP + r, qi = q0 + row;
            if (qi >= nq) break;  // uniform over the warp
            int limit = causal ? min(nk, query_offset + qi + 1) : nk;
            int key = t + lane;
            float s = -INFINITY;
            if (key < limit) {
                s = 0.0f;
                for (int d = 0; d < head_dim; d++) s += q_tile[row][d] * k_tile[lane][d];
            }
            float tile_max = warp_max(s);
            if (tile_max == -INFINITY) continue;  // every key of this tile is masked for this row
            float m_new = fmaxf(m[r], tile_max);
            float p = exp2f(s - m_new);
            float correction = exp2f(m[r] - m_new);
            l[r] = l[r] * correction + warp_sum(p);
            m[r] = m_new;
            for (int i = 0; i < PER_LANE; i++) o[r][i] *= correction;
            int valid = min(KEY_TILE, limit - t);
            for (int j = 0; j < valid; j++) {
                float pj = __shfl_sync(0xffffffffu, p, j);
                for (int i = 0; i < PER_LANE; i++) o[r][i] += pj * v_tile[j][lane + 32 * i];
            }
        }
    }
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        int qi = q0 + warp * ROWS_PER_WARP + r;
        if (qi >= nq) break;
        float inv = l[r] > 0.0f ? 1.0f / l[r] : 0.0f;  // a row with no visible key gives zeros
        for (int i = 0; i < PER_LANE; i++) {
            int d = lane + 32 * i;
            if (d < head_dim) AT(out, qi, head * head_dim + d, out_stride) = o[r][i] * inv;
        }
    }
}

#define FLASH_ATTENTION(DMAX, SUFFIX, T)                                                               \
    extern "C" __global__ void __launch_bounds__(128) flash_attention_d##DMAX##_##SUFFIX(               \
        float* out, int out_stride, const float* q, int q_stride, const T* k, int k_stride, const T* v,  \
        int v_stride, int nq, int nk, int heads, int kv_heads, int head_dim, int causal,                 \
        int query_offset, float scale) {                                                                 \
        flash_attention<DMAX>(out, out_stride, q, q_stride, StridedRows<T>{k, k_stride},                 \
                              StridedRows<T>{v, v_stride}, nq, nk, heads, kv_heads, head_dim, causal,    \
                              query_offset, scale);                                                      \
    }                                                                                                    \
    extern "C" __global__ void __launch_bounds__(128) flash_attention_paged_d##DMAX##_##SUFFIX(         \
        float* out, int out_stride, const float* q, int q_stride, const unsigned long long* k_table,     \
        const unsigned long long* v_table, int block_rows, int kv_stride, int nq, int nk, int heads,     \
        int kv_heads, int head_dim, int causal, int query_offset, float scale) {                         \
        flash_attention<DMAX>(out, out_stride, q, q_stride, BlockRows<T>{k_table, block_rows, kv_stride},\
                              BlockRows<T>{v_table, block_rows, kv_stride}, nq, nk, heads, kv_heads,     \
                              head_dim, causal, query_offset, scale);                                    \
    }
FLASH_ATTENTION(64, f32, float)
FLASH_ATTENTION(128, f32, float)
FLASH_ATTENTION(64, f16, __half)
FLASH_ATTENTION(128, f16, __half)
FLASH_ATTENTION(64, bf16, __nv_bfloat16)
FLASH_ATTENTION(128, bf16, __nv_bfloat16)

// --- decode: split-K flash-decoding over the KV cache ---------------------------------------------
// Launch shape: grid (splits, heads, nq), block 128 threads (4 warps). Split s covers keys
// [s·chunk, (s+1)·chunk) (chunk a multiple of 32); warp w takes the 32-key tiles w, w+4, ... of it.
// Per key the warp reads the K row coalesced (lane owns dims lane, lane+32, ...), reduces the dot
// product with shuffles, and lane j keeps score j of the tile; then the same online softmax and value
// accumulation as above. The 4 warps merge in shared memory and write one partial (max, sum, o[d]) per
// split; attention_combine merges the splits. Why fast: with 1 query row the work is reading the KV
// cache once; splitting the keys puts heads × splits blocks (≥ 2 per SM) on that read instead of heads.
template <int DMAX, typename Rows>
__device__ void flash_decode(float* partial_o, float* partial_ml, const float* q, int q_stride, Rows k, Rows v,
                             int nq, int nk, int heads, int kv_heads, int head_dim, int causal, int query_offset,
                             float scale, int chunk) {
    constexpr int PER_LANE = DMAX / 32;
    __shared__ float warp_o[4][DMAX];
    __shared__ float warp_ml[4][2];
    int split = blockIdx.x, head = blockIdx.y, qi = blockIdx.z, splits = gridDim.x;
    int kv_head = head / (heads / kv_heads), lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int limit = causal ? min(nk, query_offset + qi + 1) : nk;
    int begin = split * chunk, end = min(limit, begin + chunk);

    float qv[PER_LANE], o[PER_LANE];
    for (int i = 0; i < PER_LANE; i++) {
        int d = lane + 32 * i;
        qv[i] = d < head_dim ? AT(q, qi, head * head_dim + d, q_stride) * scale * LOG2E : 0.0f;
        o[i] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    for (int t = begin + warp * KEY_TILE; t < end; t += 4 * KEY_TILE) {
        int valid = min(KEY_TILE, end - t);
        float s = -INFINITY;
        for (int j = 0; j < valid; j++) {
            const auto* key = k.row(t + j) + kv_head * head_dim;
            float partial = 0.0f;
            for (int i = 0; i < PER_LANE; i++) {
                int d = lane + 32 * i;
                if (d < head_dim) partial += qv[i] * load(key, d);
            }
            float score = warp_sum(partial);
            if (lane == j) s = score;
        }
        float m_new = fmaxf(m, warp_max(s));
        float p = exp2f(s - m_new), correction = exp2f(m - m_new);
        l = l * correction + warp_sum(p);
        m = m_new;
        for (int i = 0; i < PER_LANE; i++) o[i] *= correction;
        for (int j = 0; j < valid; j++) {
            float pj = __shfl_sync(0xffffffffu, p, j);
            const auto* value = v.row(t + j) + kv_head * head_dim;
            for (int i = 0; i < PER_LANE; i++) {
                int d = lane + 32 * i;
                if (d < head_dim) o[i] += pj * load(value, d);
            }
        }
    }
    for (int i = 0; i < PER_LANE; i++) warp_o[warp][lane + 32 * i] = o[i];
    if (lane == 0) { warp_ml[warp][0] = m; warp_ml[warp][1] = l; }
    __syncthreads();
    float block_m = fmaxf(fmaxf(warp_ml[0][0], warp_ml[1][0]), fmaxf(warp_ml[2][0], warp_ml[3][0]));
    long slot = ((long) qi * heads + head) * splits + split;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float sum = 0.0f;
        for (int w = 0; w < 4; w++)
            if (warp_ml[w][0] != -INFINITY) sum += warp_o[w][d] * exp2f(warp_ml[w][0] - block_m);
        partial_o[slot * head_dim + d] = sum;
    }
    if (threadIdx.x == 0) {
        float block_l = 0.0f;
        for (int w = 0; w < 4; w++)
            if (warp_ml[w][0] != -INFINITY) block_l += warp_ml[w][1] * exp2f(warp_ml[w][0] - block_m);
        partial_ml[slot * 2] = block_m;
        partial_ml[slot * 2 + 1] = block_l;
    }
}

#define FLASH_DECODE(DMAX, SUFFIX, T)                                                                  \
    extern "C" __global__ void __launch_bounds__(128) flash_decode_d##DMAX##_##SUFFIX(                  \
        float* partial_o, float* partial_ml, const float* q, int q_stride, const T* k, int k_stride,     \
        const T* v, int v_stride, int nq, int nk, int heads, int kv_heads, int head_dim, int causal,      \
        int query_offset, float scale, int chunk) {                                                      \
        flash_decode<DMAX>(partial_o, partial_ml, q, q_stride, StridedRows<T>{k, k_stride},              \
                           StridedRows<T>{v, v_stride}, nq, nk, heads, kv_heads, head_dim, causal,       \
                           query_offset, scale, chunk);                                                  \
    }                                                                                                    \
    extern "C" __global__ void __launch_bounds__(128) flash_decode_paged_d##DMAX##_##SUFFIX(            \
        float* partial_o, float* partial_ml, const float* q, int q_stride,                               \
        const unsigned long long* k_table, const unsigned long long* v_table, int block_rows,            \
        int kv_stride, int nq, int nk, int heads, int kv_heads, int head_dim, int causal,                \
        int query_offset, float scale, int chunk) {                                                      \
        flash_decode<DMAX>(partial_o, partial_ml, q, q_stride,                                           \
                           BlockRows<T>{k_table, block_rows, kv_stride},                                 \
                           BlockRows<T>{v_table, block_rows, kv_stride}, nq, nk, heads, kv_heads,        \
                           head_dim, causal, query_offset, scale, chunk);                                \
    }
FLASH_DECODE(64, f32, float)
FLASH_DECODE(128, f32, float)
FLASH_DECODE(64, f16, __half)
FLASH_DECODE(128, f16, __half)
FLASH_DECODE(64, bf16, __nv_bfloat16)
FLASH_DECODE(128, bf16, __nv_bfloat16)

// out[qi, head·d + :] = Σ_s o_s·2^(m_s - m) / Σ_s l_s·2^(m_s - m) over the splits (m = max m_s).
// Launch shape: grid (heads, nq), block 128 over the head dims. Tiny: splits × d floats per block.
extern "C" __global__ void attention_combine(float* out, int out_stride, const float* partial_o,
                                             const float* partial_ml, int heads, int head_dim, int splits) {
    int head = blockIdx.x, qi = blockIdx.y;
    long first = ((long) qi * heads + head) * splits;
    float m = -INFINITY;
    for (int s = 0; s < splits; s++) m = fmaxf(m, partial_ml[(first + s) * 2]);
    float l = 0.0f;
    for (int s = 0; s < splits; s++) {
        float ms = partial_ml[(first + s) * 2];
        if (ms != -INFINITY) l += partial_ml[(first + s) * 2 + 1] * exp2f(ms - m);
    }
    float inv = l > 0.0f ? 1.0f / l : 0.0f;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float sum = 0.0f;
        for (int s = 0; s < splits; s++) {
            float ms = partial_ml[(first + s) * 2];
            if (ms != -INFINITY) sum += partial_o[(first + s) * head_dim + d] * exp2f(ms - m);
        }
        AT(out, qi, head * head_dim + d, out_stride) = sum * inv;
    }
}
