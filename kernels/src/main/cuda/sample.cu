// Token choice on the device, so that decode copies back 4 bytes instead of the vocabulary's logits.
// Launch shape (both): one block of 1024 threads (vocabularies are ≤ ~150k: a few loads per thread).
#include "common.cuh"

#define SAMPLE_THREADS 1024

// result[0] = index of the largest of logits[0..n) (the first on ties, as torch.argmax).
// Why fast: one coalesced pass, then a 1024-way (value, index) reduction in shared memory.
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS) argmax_f32(int* result, const float* logits, int n) {
    __shared__ float best_value[SAMPLE_THREADS];
    __shared__ int best_index[SAMPLE_THREADS];
    float value = -INFINITY;
    int index = n;  // larger than any real index: loses every tie
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        float v = logits[i];
        if (v > value || (v == value && i < index) || (index == n && v != v)) { value = v; index = i; }
    }
    best_value[threadIdx.x] = value;
    best_index[threadIdx.x] = index;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half >>= 1) {
        if (threadIdx.x < half) {
            float other = best_value[threadIdx.x + half];
            int other_index = best_index[threadIdx.x + half];
            float mine = best_value[threadIdx.x];
            if (other > mine || (other == mine && other_index < best_index[threadIdx.x])) {
                best_value[threadIdx.x] = other;
                best_index[threadIdx.x] = other_index;
            }
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) result[0] = best_index[0] < n ? best_index[0] : 0;
}

// Temperature sampling: result[0] = the index i where the cumulative softmax(logits / temperature)
// first exceeds u·total (u uniform in [0, 1) drawn by the host's seeded generator, so a seed
// reproduces a run). Top-k / top-p filtering is done on the host from downloaded logits.
// Thread t owns the contiguous chunk [t·per, (t+1)·per): chunk sums, a serial scan of the 1024 chunk
// sums by thread 0, then the owning thread walks its chunk.
extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS) sample_f32(int* result, const float* logits, int n,
                                                                       float temperature, float u) {
    __shared__ float chunk_sum[SAMPLE_THREADS];
    __shared__ float max_value;
    __shared__ int chosen_chunk;
    __shared__ float before_chunk;
    float local_max = -INFINITY;
    for (int i = threadIdx.x; i < n; i += blockDim.x) local_max = fmaxf(local_max, logits[i]);
    chunk_sum[threadIdx.x] = local_max;
    __syncthreads();
    if (threadIdx.x == 0) {
        float m = -INFINITY;
        for (int t = 0; t < SAMPLE_THREADS; t++) m = fmaxf(m, chunk_sum[t]);
        max_value = m;
    }
    __syncthreads();
    int per = (n + SAMPLE_THREADS - 1) / SAMPLE_THREADS;
    int first = threadIdx.x * per, last = min(n, first + per);
    float sum = 0.0f;
    for (int i = first; i < last; i++) sum += __expf((logits[i] - max_value) / temperature);
    chunk_sum[threadIdx.x] = sum;
    __syncthreads();
    if (threadIdx.x == 0) {
        float total = 0.0f;
        for (int t = 0; t < SAMPLE_THREADS; t++) total += chunk_sum[t];
        float threshold = u * total, running = 0.0f;
        chosen_chunk = -1;
        for (int t = 0; t < SAMPLE_THREADS; t++) {
            if (chunk_sum[t] > 0.0f && running + chunk_sum[t] > threshold) { chosen_chunk = t; break; }
            running += chunk_sum[t];
        }
        before_chunk = running;
        if (chosen_chunk < 0) result[0] = n - 1;  // rounding left the threshold past the end
        chunk_sum[0] = threshold;  // reuse: the threshold for the owning thread
    }
    __syncthreads();
    if (threadIdx.x == chosen_chunk) {
        float running = before_chunk, threshold = chunk_sum[0];
        int pick = last - 1;
        for (int i = first; i < last; i++) {
            running += __expf((logits[i] - max_value) / temperature);
            if (running > threshold) { pick = i; break; }
        }
        result[0] = pick;
    }
}
