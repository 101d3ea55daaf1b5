// Element-wise kernels over 2-D row-strided F32 views.
// Launch shape (all): block 256 threads along columns, grid (ceil(cols/256) capped, min(rows, 65535));
// both dimensions loop, so any shape works. Why fast: one coalesced pass, FP32 in registers, no
// temporaries; the bias add and the activation are fused so the tensor is read and written once.
#include "common.cuh"

#define ROWS_COLS_LOOP                                                   \
    for (long r = blockIdx.y; r < rows; r += gridDim.y)                  \
        for (long c = blockIdx.x * (long) blockDim.x + threadIdx.x; c < cols; c += (long) gridDim.x * blockDim.x)

// out = a + b (residual adds); out may alias a or b.
extern "C" __global__ void add_f32(float* out, int out_stride, const float* a, int a_stride,
                                   const float* b, int b_stride, int rows, int cols) {
    ROWS_COLS_LOOP AT(out, r, c, out_stride) = AT(a, r, c, a_stride) + AT(b, r, c, b_stride);
}

// Activation functions by Activation.ordinal(): 0 GELU (erf), 1 GELU tanh, 2 quick GELU, 3 SiLU.
__device__ __forceinline__ float activation(float x, int fn) {
    switch (fn) {
        case 0: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
        case 1: return 0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
        case 2: return x / (1.0f + __expf(-1.702f * x));
        default: return x / (1.0f + __expf(-x));
    }
}

// x[r, c] = fn(x[r, c] + bias[c]) in place; bias may be null (then only the activation).
#define BIAS_ACTIVATE(suffix, T)                                                                    \
    extern "C" __global__ void bias_activate_##suffix(float* x, int stride, const T* bias, int rows, \
                                                      int cols, int fn) {                            \
        ROWS_COLS_LOOP {                                                                             \
            float v = AT(x, r, c, stride) + (bias ? load(bias, c) : 0.0f);                           \
            AT(x, r, c, stride) = fn < 0 ? v : activation(v, fn);                                    \
        }                                                                                            \
    }
FOR_EACH_WEIGHT_TYPE(BIAS_ACTIVATE)

// out = silu(gate) * up (Llama MLP); out may alias gate.
extern "C" __global__ void silu_gate_f32(float* out, int out_stride, const float* gate, int gate_stride,
                                         const float* up, int up_stride, int rows, int cols) {
    ROWS_COLS_LOOP {
        float g = AT(gate, r, c, gate_stride);
        AT(out, r, c, out_stride) = g / (1.0f + __expf(-g)) * AT(up, r, c, up_stride);
    }
}

// F32 activations to the GEMM input type (cuBLAS takes A and B in one type), and F32 rows into an F16 KV
// cache: dense [rows, cols] output.
extern "C" __global__ void convert_f32_to_f16(__half* out, const float* x, int stride, int rows, int cols) {
    ROWS_COLS_LOOP out[r * cols + c] = __float2half_rn(AT(x, r, c, stride));
}

extern "C" __global__ void convert_f32_to_bf16(__nv_bfloat16* out, const float* x, int stride, int rows, int cols) {
    ROWS_COLS_LOOP out[r * cols + c] = __float2bfloat16_rn(AT(x, r, c, stride));
}

// Weight upload of an F32 checkpoint stored as F16 on the device (halves memory and bandwidth).
extern "C" __global__ void convert_dense_f32_to_f16(__half* out, const float* x, long n) {
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x)
        out[i] = __float2half_rn(x[i]);
}

// out = x for row-strided views (Engine.copy, and densifying a view before a download).
extern "C" __global__ void copy_f32(float* out, int out_stride, const float* x, int x_stride, int rows, int cols) {
    ROWS_COLS_LOOP AT(out, r, c, out_stride) = AT(x, r, c, x_stride);
}

// The same for F16 views (a KV-cache block copied before a write into it: copy on write).
extern "C" __global__ void copy_f16(__half* out, int out_stride, const __half* x, int x_stride, int rows, int cols) {
    ROWS_COLS_LOOP AT(out, r, c, out_stride) = AT(x, r, c, x_stride);
}

// Synthetic weights for `vllava bench --synthetic`: out[i] = uniform in [-scale, scale) from a hash of
// (seed, i), generated on the device so that 7B-shaped weights need no download and no host traffic.
// Launch shape: 1-D grid-stride loop, 256 threads.
__device__ __forceinline__ unsigned int mix(unsigned long long v) {
    v ^= v >> 33; v *= 0xff51afd7ed558ccdULL; v ^= v >> 33; v *= 0xc4ceb9fe1a85ec53ULL; v ^= v >> 33;
    return (unsigned int) v;
}

#define FILL_UNIFORM(suffix, T)                                                                       \
    extern "C" __global__ void fill_uniform_##suffix(T* out, long n, unsigned long long seed, float scale) { \
        for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x) \
            store(out, i, scale * (mix(seed * 0x9e3779b97f4a7c15ULL + i) * 4.656612873077393e-10f - 1.0f)); \
    }
FOR_EACH_WEIGHT_TYPE(FILL_UNIFORM)
