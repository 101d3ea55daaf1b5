// Embedding lookups and the vision patch embedding.
#include "common.cuh"

// out[r, :] = table[ids[r], :] (token embeddings, converted to F32).
// Launch shape: grid (rows), block 256 along columns. Why fast: a row copy, coalesced on both sides.
#define EMBED(suffix, T)                                                                            \
    extern "C" __global__ void embed_##suffix(float* out, int out_stride, const T* table,           \
                                              int table_stride, const int* ids, int cols) {         \
        long id = ids[blockIdx.x];                                                                   \
        float* dst = out + (long) blockIdx.x * out_stride;                                           \
        for (int c = threadIdx.x; c < cols; c += blockDim.x) dst[c] = load(table, id * table_stride + c); \
    }
FOR_EACH_WEIGHT_TYPE(EMBED)

// CLIP patch embedding input: im2col of pixels [frames, 3, size, size] into rows
// [frames·(1+patches), 3·p·p] where row 0 of each frame is all zeros (the class-token slot), so that
// one GEMM with the conv weight viewed as [hidden, 3·p·p] gives every patch's embedding.
// Launch shape: grid (frames·(1+patches)), block 256 over the 3·p·p columns. Why fast: each thread
// writes consecutive columns; reads are p-element runs of a pixel row (coalesced within the run).
extern "C" __global__ void patch_im2col_f32(float* out, const float* pixels, int size, int patch) {
    int grid_side = size / patch, patches = grid_side * grid_side;
    int frame = blockIdx.x / (patches + 1), slot = blockIdx.x % (patches + 1);
    int cols = 3 * patch * patch;
    float* dst = out + (long) blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        if (slot == 0) { dst[c] = 0.0f; continue; }
        int p = slot - 1, py = p / grid_side, px = p % grid_side;
        int channel = c / (patch * patch), within = c % (patch * patch);
        int y = py * patch + within / patch, x = px * patch + within % patch;
        dst[c] = pixels[(((long) frame * 3 + channel) * size + y) * size + x];
    }
}

// After the patch GEMM: x[frame·(1+patches) + t, :] += (t == 0 ? class_embedding : 0) + position[t, :].
// Launch shape: grid (frames·(1+patches)), block 256 over hidden. Fuses the class token and the
// position embedding into one pass.
#define PATCH_POSITIONS(suffix, T)                                                                   \
    extern "C" __global__ void patch_positions_##suffix(float* x, int stride, const T* class_embedding, \
                                                        const T* position, int tokens, int hidden) {  \
        int t = blockIdx.x % tokens;                                                                  \
        float* row = x + (long) blockIdx.x * stride;                                                  \
        for (int c = threadIdx.x; c < hidden; c += blockDim.x)                                        \
            row[c] += (t == 0 ? load(class_embedding, c) : 0.0f) + load(position, (long) t * hidden + c); \
    }
FOR_EACH_WEIGHT_TYPE(PATCH_POSITIONS)
