// Decode matrix-vector product: out[b, o] = Σ_i x[b, i]·W[o, i] (+ bias[o]) for a batch of 1..8 F32
// rows x against an F16/BF16 weight [O, I] (row stride w_stride), FP32 accumulation.
// Requirements (checked on the Java side, else cuBLAS is used): I % 8 == 0, w_stride % 8 == 0,
// x_stride % 4 == 0 and x 16-byte aligned.
// Launch shape: block 256 threads = 8 warps, one warp per output row, grid ceil(O / 8).
// Why fast: decode is bound by reading the weights once; each lane issues 128-bit loads (8 weights)
// and the 32 lanes of a warp read 512 consecutive bytes of one row, so every DRAM burst is used fully;
// x (≤ 8 rows) is small and served from L1/L2; one shuffle reduction per output row at the end.
#include "common.cuh"

#define GEMV_MAX_BATCH 8

__device__ __forceinline__ void unpack8(uint4 raw, const __half*, float* w) {
    const __half2* h = reinterpret_cast<const __half2*>(&raw);
    for (int i = 0; i < 4; i++) { float2 f = __half22float2(h[i]); w[2 * i] = f.x; w[2 * i + 1] = f.y; }
}

__device__ __forceinline__ void unpack8(uint4 raw, const __nv_bfloat16*, float* w) {
    const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&raw);
    for (int i = 0; i < 4; i++) { float2 f = __bfloat1622float2(h[i]); w[2 * i] = f.x; w[2 * i + 1] = f.y; }
}

template <typename T>
__device__ void gemv(float* out, int out_stride, const float* x, int x_stride, const T* weight, int w_stride,
                     const T* bias, int batch, int rows_out, int cols_in) {
    int lane = threadIdx.x & 31;
    int o = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (o >= rows_out) return;
    const uint4* w_row = reinterpret_cast<const uint4*>(weight + (long) o * w_stride);
    float acc[GEMV_MAX_BATCH];
#pragma unroll
    for (int b = 0; b < GEMV_MAX_BATCH; b++) acc[b] = 0.0f;
    for (int i = lane * 8; i < cols_in; i += 32 * 8) {
        float w[8];
        unpack8(__ldg(w_row + i / 8), (const T*) nullptr, w);
        accumulate8<GEMV_MAX_BATCH>(acc, w, x, x_stride, i, batch);
    }
#pragma unroll
    for (int b = 0; b < GEMV_MAX_BATCH; b++) {
        if (b < batch) {
            float sum = warp_sum(acc[b]);
            if (lane == 0) out[(long) b * out_stride + o] = sum + (bias ? load(bias, o) : 0.0f);
        }
    }
}

#define GEMV(suffix, T)                                                                                \
    extern "C" __global__ void __launch_bounds__(256) gemv_##suffix(                                    \
        float* out, int out_stride, const float* x, int x_stride, const T* weight, int w_stride,         \
        const T* bias, int batch, int rows_out, int cols_in) {                                           \
        gemv<T>(out, out_stride, x, x_stride, weight, w_stride, bias, batch, rows_out, cols_in);         \
    }
GEMV(f16, __half)
GEMV(bf16, __nv_bfloat16)
