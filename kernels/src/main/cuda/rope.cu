// Rotary position embedding, transformers' rotate_half layout, in place on a row-strided F32 view
// [rows, heads·headDim]: within a head, element j < half pairs with j + half, angle = pos·θ^(-2j/d).
// Launch shape: grid (rows), block min(heads·half, 1024) threads, each thread rotating pairs
// (head, j) in a loop. Why fast: one read and one write per element; the angle is computed in FP32
// from the exact position (no cos/sin table traffic); sincosf is one instruction pair.
#include "common.cuh"

extern "C" __global__ void rope_f32(float* x, int stride, int heads, int head_dim, int first_position,
                                    float log2_theta) {
    int half = head_dim / 2;
    float position = (float) (first_position + (long) blockIdx.x);
    float* row = x + (long) blockIdx.x * stride;
    for (int p = threadIdx.x; p < heads * half; p += blockDim.x) {
        int head = p / half, j = p - head * half;
        // θ^(-2j/d) = 2^(-log2θ · 2j/d); computed in double-free FP32 like torch's float32 inv_freq.
        float inv_freq = exp2f(-log2_theta * (2.0f * j) / head_dim);
        float s, c;
        sincosf(position * inv_freq, &s, &c);
        float* h = row + head * head_dim;
        float a = h[j], b = h[j + half];
        h[j] = a * c - b * s;
        h[j + half] = b * c + a * s;
    }
}
