// Attention probabilities of ONE query row per head, written out (the flash kernels never materialise
// them): out[h, j] = softmax_j(q[row]·k[j] / sqrt(d)) for head h, keys past the causal limit 0.
// The vision tower calls it on each frame's [CLS] row at the feature layer so that patch tokens can be
// ranked by their [CLS] attention (FasterVLM; see VisualTokenSelection.java).
//
// Launch: one block per head (grid.x = heads), 256 threads striding over the keys; the head's query
// slice is staged in shared memory (head_dim <= 128, as for the other attention kernels). Each thread
// writes its own keys' scores, then the block max and block sum turn them into probabilities in
// place, so no thread reads another's outputs. It costs heads x keys x head_dim multiply-adds
// (16 x 257 x 64 per CLIP ViT-L frame): nothing next to the layer it sits in, so it is kept simple.
#include "common.cuh"

#define MAX_HEAD_DIM 128

// Max over the whole block (blockDim.x a multiple of 32); every thread gets the result.
__device__ __forceinline__ float block_max(float v) {
    __shared__ float partial[32];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    v = lane < warps ? partial[lane] : -INFINITY;
    return warp_max(v);
}

extern "C" __global__ void __launch_bounds__(256) attention_row_probs(
        float* out, int out_stride, const float* q, int q_stride, const float* k, int k_stride, int query_row,
        int keys, int heads, int kv_heads, int head_dim, int causal, int query_offset, float scale) {
    __shared__ float query[MAX_HEAD_DIM];
    int h = blockIdx.x;
    int kv_h = h / (heads / kv_heads);
    for (int i = threadIdx.x; i < head_dim; i += blockDim.x) query[i] = AT(q, query_row, h * head_dim + i, q_stride);
    __syncthreads();

    int visible = causal ? min(keys, query_offset + query_row + 1) : keys;
    float* row = out + (long) h * out_stride;
    float local_max = -INFINITY;
    for (int j = threadIdx.x; j < visible; j += blockDim.x) {
        const float* key = k + (long) j * k_stride + (long) kv_h * head_dim;
        float dot = 0.0f;
        for (int i = 0; i < head_dim; i++) dot += query[i] * key[i];
        float score = dot * scale;
        row[j] = score;
        local_max = fmaxf(local_max, score);
    }
    float max = block_max(local_max);

    float local_sum = 0.0f;
    for (int j = threadIdx.x; j < keys; j += blockDim.x) {
        float e = j < visible ? expf(row[j] - max) : 0.0f;
        row[j] = e;
        local_sum += e;
    }
    float inverse = 1.0f / block_sum(local_sum);
    for (int j = threadIdx.x; j < visible; j += blockDim.x) row[j] *= inverse;
}
