// Quantized weights (compressed-tensors pack-quantized, see QuantizedLayout): each row of codes is
// offset-binary (code + 128 for 8 bits, code + 8 for 4 bits), packed LSB-first into little-endian
// int32 words (4-bit: the even element in the low nibble), `row_bytes` apart; one scale of type T per
// `group` consecutive inputs of a row, scales [rows, cols / group] dense. Weight = code · scale.
#include "common.cuh"

#define QGEMV_MAX_BATCH 8

// Eight consecutive codes of a row as signed integers times their scale (8 codes never straddle a
// group: group % 8 == 0 is required on the Java side).
__device__ __forceinline__ void codes8_q8(const unsigned char* row, int i, float scale, float* w) {
    uint2 raw = __ldg(reinterpret_cast<const uint2*>(row + i));
    unsigned int words[2] = {raw.x, raw.y};
#pragma unroll
    for (int j = 0; j < 8; j++) w[j] = (float) ((int) ((words[j >> 2] >> (8 * (j & 3))) & 0xFFu) - 128) * scale;
}

__device__ __forceinline__ void codes8_q4(const unsigned char* row, int i, float scale, float* w) {
    unsigned int word = __ldg(reinterpret_cast<const unsigned int*>(row + i / 2));
#pragma unroll
    for (int j = 0; j < 8; j++) w[j] = (float) ((int) ((word >> (4 * j)) & 0xFu) - 8) * scale;
}

template <int BITS>
__device__ __forceinline__ void codes8(const unsigned char* row, int i, float scale, float* w) {
    if (BITS == 8) codes8_q8(row, i, scale, w); else codes8_q4(row, i, scale, w);
}

// Decode matrix-vector product with dequantization in registers: out[b, o] = Σ_i x[b, i]·W[o, i]
// for 1..8 F32 rows x. Launch shape: block 256 threads = 8 warps, one warp per output row, grid
// ceil(O / 8) (Launch.gemv). Why fast: decode is bound by the weight bytes, which are 2× (8-bit) or
// 4× (4-bit) fewer than F16; each lane reads 8 codes per step, a warp 256 consecutive codes of a row.
// Requirements (Java side): cols_in % 8 == 0, group % 8 == 0, row_bytes % 4 == 0, x rows float4-aligned.
template <int BITS, typename T>
__device__ void qgemv(float* out, int out_stride, const float* x, int x_stride, const unsigned char* codes, long row_bytes,
                      const T* scales, int group, int batch, int rows_out, int cols_in) {
    int lane = threadIdx.x & 31;
    int o = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (o >= rows_out) return;
    const unsigned char* row = codes + (long) o * row_bytes;
    const T* row_scales = scales + (long) o * (cols_in / group);
    float acc[QGEMV_MAX_BATCH];
#pragma unroll
    for (int b = 0; b < QGEMV_MAX_BATCH; b++) acc[b] = 0.0f;
    for (int i = lane * 8; i < cols_in; i += 32 * 8) {
        float w[8];
        codes8<BITS>(row, i, load(row_scales, i / group), w);
        accumulate8<QGEMV_MAX_BATCH>(acc, w, x, x_stride, i, batch);
    }
#pragma unroll
    for (int b = 0; b < QGEMV_MAX_BATCH; b++) {
        if (b < batch) {
            float sum = warp_sum(acc[b]);
            if (lane == 0) out[(long) b * out_stride + o] = sum;
        }
    }
}

// Prefill: rows [first_row, first_row + rows) of the weight dequantized into a dense F16 tile
// [rows, cols_in] for cuBLAS (the tile is reused by every input row of the product). One thread per 8
// codes, grid-stride; launch Launch.linear(rows · cols_in / 8).
template <int BITS, typename T>
__device__ void dequantize_f16(__half* tile, const unsigned char* codes, long row_bytes, const T* scales, int group,
                               int first_row, int rows, int cols_in) {
    long chunks = (long) rows * (cols_in / 8);
    for (long c = blockIdx.x * (long) blockDim.x + threadIdx.x; c < chunks; c += (long) gridDim.x * blockDim.x) {
        int r = (int) (c / (cols_in / 8));
        int i = (int) (c % (cols_in / 8)) * 8;
        long o = first_row + r;
        float w[8];
        codes8<BITS>(codes + o * row_bytes, i, load(scales, o * (cols_in / group) + i / group), w);
        __half2* dst = reinterpret_cast<__half2*>(tile + (long) r * cols_in + i);
#pragma unroll
        for (int j = 0; j < 4; j++) dst[j] = __floats2half2_rn(w[2 * j], w[2 * j + 1]);
    }
}

#define QUANTIZED(suffix, T)                                                                                      \
    extern "C" __global__ void __launch_bounds__(256) gemv_q8_##suffix(                                            \
        float* out, int out_stride, const float* x, int x_stride, const unsigned char* codes, long row_bytes,      \
        const T* scales, int group, int batch, int rows_out, int cols_in) {                                        \
        qgemv<8, T>(out, out_stride, x, x_stride, codes, row_bytes, scales, group, batch, rows_out, cols_in);      \
    }                                                                                                              \
    extern "C" __global__ void __launch_bounds__(256) gemv_q4_##suffix(                                            \
        float* out, int out_stride, const float* x, int x_stride, const unsigned char* codes, long row_bytes,      \
        const T* scales, int group, int batch, int rows_out, int cols_in) {                                        \
        qgemv<4, T>(out, out_stride, x, x_stride, codes, row_bytes, scales, group, batch, rows_out, cols_in);      \
    }                                                                                                              \
    extern "C" __global__ void dequantize_q8_to_f16_##suffix(__half* tile, const unsigned char* codes, long row_bytes, \
        const T* scales, int group, int first_row, int rows, int cols_in) {                                        \
        dequantize_f16<8, T>(tile, codes, row_bytes, scales, group, first_row, rows, cols_in);                     \
    }                                                                                                              \
    extern "C" __global__ void dequantize_q4_to_f16_##suffix(__half* tile, const unsigned char* codes, long row_bytes, \
        const T* scales, int group, int first_row, int rows, int cols_in) {                                        \
        dequantize_f16<4, T>(tile, codes, row_bytes, scales, group, first_row, rows, cols_in);                     \
    }
FOR_EACH_WEIGHT_TYPE(QUANTIZED)
