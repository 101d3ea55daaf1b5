// Rotary position embedding, transformers' rotate_half layout, in place on a row-strided F32 view
// [rows, heads·headDim]: within a head, element j < half pairs with j + half, angle = pos·inv_freq[j].
// inv_freq is the host's float32 table (RopeFrequencies: transformers' roundings, the CPU engine's
// values), not recomputed here: exp2f is ex2.approx, 1-3 ulp off, which moves the angle by ~5e-4 rad
// at position 4000. The angle is the float32 product position·inv_freq, as transformers' freqs.
// Launch shape: grid (rows), block min(heads·half, 1024) threads, each thread rotating pairs
// (head, j) in a loop. Why fast: one read and one write per element, a d/2-float table that stays
// in L1; sincosf (precise, no fast math) on the exact float angle.
#include "common.cuh"

extern "C" __global__ void rope_f32(float* x, int stride, int heads, int head_dim, int first_position,
                                    const float* inv_freq) {
    int half = head_dim / 2;
    float position = (float) (first_position + (long) blockIdx.x);
    float* row = x + (long) blockIdx.x * stride;
    for (int p = threadIdx.x; p < heads * half; p += blockDim.x) {
        int head = p / half, j = p - head * half;
        float s, c;
        sincosf(position * inv_freq[j], &s, &c);
        float* h = row + head * head_dim;
        float a = h[j], b = h[j + half];
        h[j] = a * c - b * s;
        h[j + half] = b * c + a * s;
    }
}
