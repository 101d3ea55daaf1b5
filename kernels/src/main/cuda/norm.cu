// Row normalisations. Launch shape: one block per row (grid.x = rows, up to 2^31-1), 256 threads
// striding over the columns. Why fast: a row (≤ 16 KB of F32) stays in L1 between the passes, the
// reductions are warp shuffles plus one shared-memory step, and the weight is read in its stored dtype.
#include "common.cuh"

// Llama RMSNorm: out = h / sqrt(mean(h²) + eps) · weight, with h = x, or h = x + residual when residual
// is not null (the residual stream is then updated in place: residual ← h, fusing the residual add).
// out may alias x.
#define RMS_NORM(suffix, T)                                                                         \
    extern "C" __global__ void rms_norm_##suffix(float* out, int out_stride, const float* x,         \
                                                 int x_stride, float* residual, int residual_stride,  \
                                                 const T* weight, int cols, float eps) {             \
        const float* row = x + (long) blockIdx.x * x_stride;                                         \
        float* res = residual ? residual + (long) blockIdx.x * residual_stride : nullptr;            \
        float squares = 0.0f;                                                                        \
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {                                       \
            float h = row[c] + (res ? res[c] : 0.0f);                                                \
            if (res) res[c] = h;                                                                     \
            squares += h * h;                                                                        \
        }                                                                                            \
        float scale = rsqrtf(block_sum(squares) / cols + eps);                                       \
        const float* h = res ? res : row;                                                            \
        float* dst = out + (long) blockIdx.x * out_stride;                                           \
        for (int c = threadIdx.x; c < cols; c += blockDim.x) dst[c] = h[c] * scale * load(weight, c); \
    }
FOR_EACH_WEIGHT_TYPE(RMS_NORM)

// LayerNorm as torch (biased variance, two-pass for accuracy): out = (x - μ)/sqrt(σ² + eps)·w + b.
// out may alias x.
#define LAYER_NORM(suffix, T)                                                                        \
    extern "C" __global__ void layer_norm_##suffix(float* out, int out_stride, const float* x,        \
                                                   int x_stride, const T* weight, const T* bias,      \
                                                   int cols, float eps) {                             \
        const float* row = x + (long) blockIdx.x * x_stride;                                          \
        float sum = 0.0f;                                                                             \
        for (int c = threadIdx.x; c < cols; c += blockDim.x) sum += row[c];                           \
        float mean = block_sum(sum) / cols;                                                           \
        float squares = 0.0f;                                                                         \
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {                                        \
            float d = row[c] - mean;                                                                  \
            squares += d * d;                                                                         \
        }                                                                                             \
        float scale = rsqrtf(block_sum(squares) / cols + eps);                                        \
        float* dst = out + (long) blockIdx.x * out_stride;                                            \
        for (int c = threadIdx.x; c < cols; c += blockDim.x)                                          \
            dst[c] = (row[c] - mean) * scale * load(weight, c) + load(bias, c);                       \
    }
FOR_EACH_WEIGHT_TYPE(LAYER_NORM)
