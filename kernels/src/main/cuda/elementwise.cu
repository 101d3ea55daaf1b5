// Element-wise kernels. Launch shape: 1-D grid-stride loop, 256 threads per block.

// out[i] = a[i] + b[i] over n float32 values (residual adds in the vision tower).
extern "C" __global__ void add_f32(float* out, const float* a, const float* b, long n) {
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x) {
        out[i] = a[i] + b[i];
    }
}
