// Shared helpers for vllava kernels: dtype loads (storage F16/BF16/F32, math always FP32),
// warp and block reductions. Every kernel is extern "C" so the Java side finds it by name.
#pragma once
#include <cuda_fp16.h>
#include <cuda_bf16.h>

// Element loads/stores by storage type. Weights keep their checkpoint dtype; activations are F32.
__device__ __forceinline__ float load(const float* p, long i) { return p[i]; }
__device__ __forceinline__ float load(const __half* p, long i) { return __half2float(p[i]); }
__device__ __forceinline__ float load(const __nv_bfloat16* p, long i) { return __bfloat162float(p[i]); }

__device__ __forceinline__ void store(float* p, long i, float v) { p[i] = v; }
__device__ __forceinline__ void store(__half* p, long i, float v) { p[i] = __float2half_rn(v); }
__device__ __forceinline__ void store(__nv_bfloat16* p, long i, float v) { p[i] = __float2bfloat16_rn(v); }

__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

// Sum over the whole block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
__device__ __forceinline__ float block_sum(float v) {
    __shared__ float partial[32];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_sum(v);
    __syncthreads();  // partial[] may still be read by a previous call
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    v = lane < warps ? partial[lane] : 0.0f;
    return warp_sum(v);
}

// The decode GEMVs' inner step: acc[b] += Σ_j w[j]·x[b, i + j] over 8 consecutive inputs of each of the
// batch's F32 rows (float4-aligned). Unrolled over MAX_BATCH so that acc[] stays in registers.
template <int MAX_BATCH>
__device__ __forceinline__ void accumulate8(float* acc, const float* w, const float* x, int x_stride, int i, int batch) {
#pragma unroll
    for (int b = 0; b < MAX_BATCH; b++) {
        if (b < batch) {
            const float4* xb = reinterpret_cast<const float4*>(x + (long) b * x_stride + i);
            float4 x0 = __ldg(xb), x1 = __ldg(xb + 1);
            acc[b] += w[0] * x0.x + w[1] * x0.y + w[2] * x0.z + w[3] * x0.w
                    + w[4] * x1.x + w[5] * x1.y + w[6] * x1.z + w[7] * x1.w;
        }
    }
}

// Row-major 2-D views: element (r, c) of a tensor with row stride `stride` (elements).
#define AT(p, r, c, stride) ((p)[(long) (r) * (stride) + (c)])

// Instantiates a kernel body template for the three weight storage types: name_f32, name_f16, name_bf16.
#define FOR_EACH_WEIGHT_TYPE(MACRO) MACRO(f32, float) MACRO(f16, __half) MACRO(bf16, __nv_bfloat16)
