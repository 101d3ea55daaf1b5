package dev.vllava.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.checkpoint.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * The cuBLAS functions vllava uses, bound through FFM (not JCublas, whose native library links
 * libcublas.so.12 with versioned symbols and cannot load on CUDA 13). All matrices are raw device
 * addresses; the handle runs on the engine's stream and FP32 accumulation is forced
 * (CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION), so FP16/BF16 inputs still sum in FP32.
 */
final class Cublas implements AutoCloseable {
    static final int OP_N = 0;
    static final int OP_T = 1;
    static final int CUDA_R_32F = 0;
    static final int CUDA_R_16F = 2;
    static final int CUDA_R_16BF = 14;
    static final int COMPUTE_32F = 68;
    static final int GEMM_DEFAULT = -1;
    static final int DEFAULT_MATH = 0;
    static final int DISALLOW_REDUCED_PRECISION_REDUCTION = 16;

    /**
     * The library and its constants stay loaded for the life of the process: unloading cuBLAS while the
     * primary context still holds its kernels (as at JVM shutdown) can crash the process on exit.
     */
    private final Arena arena = Arena.global();
    private final MethodHandle create;
    private final MethodHandle destroy;
    private final MethodHandle setStream;
    private final MethodHandle setWorkspace;
    private final MethodHandle setMathMode;
    private final MethodHandle gemmEx;
    private final MethodHandle gemmStridedBatchedEx;
    private final MemorySegment one;
    private final MemorySegment zero;
    private final Path library;
    private MemorySegment handle;

    private Cublas(Path library) {
        this.library = library;
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(library, arena);
        } catch (IllegalArgumentException e) {
            throw VllavaException.backendUnavailable("cannot load cuBLAS %s: %s", library, e.getMessage());
        }
        Linker linker = Linker.nativeLinker();
        create = bind(linker, lookup, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = bind(linker, lookup, "cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setStream = bind(linker, lookup, "cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        setWorkspace = bind(linker, lookup, "cublasSetWorkspace_v2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        setMathMode = bind(linker, lookup, "cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        gemmEx = bind(linker, lookup, "cublasGemmEx", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        gemmStridedBatchedEx = bind(linker, lookup, "cublasGemmStridedBatchedEx", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
        one = arena.allocateFrom(JAVA_FLOAT, 1.0f);
        zero = arena.allocateFrom(JAVA_FLOAT, 0.0f);
    }

    private MethodHandle bind(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> VllavaException.backendUnavailable(
                "cuBLAS %s has no symbol %s (need cuBLAS from CUDA 12 or 13)", library, name));
        return linker.downcallHandle(symbol, descriptor);
    }

    /** Loads the library, creates a handle bound to {@code stream} with a device workspace. */
    static Cublas open(Path library, long stream, long workspace, long workspaceBytes) {
        Cublas cublas = new Cublas(library);
        try (Arena local = Arena.ofConfined()) {
            MemorySegment handleOut = local.allocate(ADDRESS);
            int status = cublas.call(cublas.create, handleOut);
            if (status != 0) {
                throw VllavaException.backendUnavailable("cublasCreate failed with status %d (%s)", status, library);
            }
            cublas.handle = handleOut.get(ADDRESS, 0);
        }
        cublas.check(cublas.call(cublas.setStream, cublas.handle, MemorySegment.ofAddress(stream)), "cublasSetStream");
        cublas.check(cublas.call(cublas.setWorkspace, cublas.handle, MemorySegment.ofAddress(workspace), workspaceBytes),
                "cublasSetWorkspace");
        cublas.check(cublas.call(cublas.setMathMode, cublas.handle, DEFAULT_MATH | DISALLOW_REDUCED_PRECISION_REDUCTION),
                "cublasSetMathMode");
        return cublas;
    }

    static int dataType(DType dtype) {
        return switch (dtype) {
            case F32 -> CUDA_R_32F;
            case F16 -> CUDA_R_16F;
            case BF16 -> CUDA_R_16BF;
        };
    }

    /**
     * Row-major {@code out[n, o] = x[n, i] · w[o, i]ᵀ (+ beta·out)}: in cuBLAS's column-major terms
     * outᵀ (o × n) = op(W) · xᵀ with W read transposed. x and w share {@code inputType}; out is F32.
     */
    void linear(long out, int outStride, long x, int xStride, long weight, int weightStride, int inputType,
                int n, int o, int i, boolean accumulate) {
        check(call(gemmEx, handle, OP_T, OP_N, o, n, i, one,
                MemorySegment.ofAddress(weight), inputType, weightStride,
                MemorySegment.ofAddress(x), inputType, xStride,
                accumulate ? one : zero, MemorySegment.ofAddress(out), CUDA_R_32F, outStride,
                COMPUTE_32F, GEMM_DEFAULT), "cublasGemmEx");
    }

    /** Column-major strided batched GEMM (FP32 compute), for the bench's peak measurement and batched products. */
    void gemmStridedBatched(int transA, int transB, int m, int n, int k, long a, int aType, int lda, long strideA,
                            long b, int bType, int ldb, long strideB, long c, int cType, int ldc, long strideC, int batch) {
        check(call(gemmStridedBatchedEx, handle, transA, transB, m, n, k, one,
                MemorySegment.ofAddress(a), aType, lda, strideA, MemorySegment.ofAddress(b), bType, ldb, strideB,
                zero, MemorySegment.ofAddress(c), cType, ldc, strideC, batch, COMPUTE_32F, GEMM_DEFAULT),
                "cublasGemmStridedBatchedEx");
    }

    private int call(MethodHandle function, Object... args) {
        try {
            return (int) function.invokeWithArguments(args);
        } catch (Throwable e) {
            throw new VllavaException(Failure.INTERNAL, "cuBLAS call failed: " + e, e);
        }
    }

    private void check(int status, String what) {
        if (status != 0) {
            throw new VllavaException(Failure.INTERNAL, what + " failed with cuBLAS status " + status
                    + (status == 3 ? " (CUBLAS_STATUS_ALLOC_FAILED: out of GPU memory)" : ""));
        }
    }

    /** Destroys the handle; the library stays loaded (see {@link #arena}). */
    @Override
    public void close() {
        if (handle != null) {
            call(destroy, handle);
            handle = null;
        }
    }
}
