package dev.vllava.cuda;

import static jcuda.driver.JCudaDriver.*;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.checkpoint.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

/**
 * One GPU through the JCuda driver API: the device's primary context (shared with cuBLAS, which uses
 * the runtime API), one stream, the kernel modules, a pinned staging buffer for host↔device copies,
 * and error translation into one-line {@link VllavaException}s.
 */
final class CudaDevice implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CudaDevice.class);
    static final long STAGING_BYTES = 64L << 20;
    /** cudaErrorInsufficientDriver's driver-API twin (35); JCuda 12.6's CUresult has no constant for it. */
    private static final int CUDA_ERROR_INSUFFICIENT_DRIVER = 35;
    /** Room for the JIT compiler's error log when a module is rejected. */
    private static final int JIT_LOG_BYTES = 16 << 10;

    final int ordinal;
    final String name;
    final int computeCapability;  // major·10 + minor
    final int multiprocessors;
    final int driverVersion;
    private final CUdevice device = new CUdevice();
    private final CUstream stream = new CUstream();
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    /** The PTX entry of each loaded function, for error messages. */
    private final Map<CUfunction, String> entryOf = new IdentityHashMap<>();
    private final Pointer staging = new Pointer();
    private final MemorySegment stagingSegment;
    private final CUcontext context = new CUcontext();
    private volatile Thread currentThread;

    private CudaDevice(int ordinal) {
        this.ordinal = ordinal;
        checkDriverLibrary();
        try {
            check(cuInit(0), "cuInit");
        } catch (LinkageError e) {
            throw VllavaException.backendUnavailable("the CUDA driver could not be loaded through JCuda (%s); is the NVIDIA driver installed?",
                    e.getMessage());
        }
        int[] value = new int[1];
        check(cuDriverGetVersion(value), "cuDriverGetVersion");
        driverVersion = value[0];
        check(cuDeviceGetCount(value), "cuDeviceGetCount");
        if (value[0] == 0) {
            throw VllavaException.backendUnavailable("no CUDA device found (the driver reports 0 GPUs)");
        }
        if (ordinal < 0 || ordinal >= value[0]) {
            throw VllavaException.usage("--device %d does not exist: this machine has %d CUDA device(s), 0..%d", ordinal, value[0], value[0] - 1);
        }
        check(cuDeviceGet(device, ordinal), "cuDeviceGet");
        byte[] nameBytes = new byte[256];
        check(cuDeviceGetName(nameBytes, nameBytes.length, device), "cuDeviceGetName");
        name = new String(nameBytes, StandardCharsets.US_ASCII).trim().replace("\0", "");
        computeCapability = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR) * 10
                + attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        if (computeCapability < 80) {
            throw VllavaException.backendUnavailable("GPU %d (%s) has compute capability %d.%d; vllava's kernels need 8.0 or newer (Ampere, Ada, Hopper)",
                    ordinal, name, computeCapability / 10, computeCapability % 10);
        }
        check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
        currentThread = Thread.currentThread();
        check(cuStreamCreate(stream, 0), "cuStreamCreate");
        check(cuMemHostAlloc(staging, STAGING_BYTES, 0), "cuMemHostAlloc (pinned staging buffer)");
        stagingSegment = MemorySegment.ofBuffer(staging.getByteBuffer(0, STAGING_BYTES));
    }

    /**
     * Makes the context current on the calling thread when it changed (driver contexts are per thread;
     * the CLI may generate on another thread than the one that opened the engine). One field compare
     * per call otherwise.
     */
    void ensureCurrent() {
        Thread thread = Thread.currentThread();
        if (thread != currentThread) {
            check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            currentThread = thread;
        }
    }

    static CudaDevice open(int ordinal) {
        return new CudaDevice(ordinal);
    }

    /**
     * Fails with one line when libcuda.so.1 is absent, before JCuda's native library (which links it)
     * would fail with an UnsatisfiedLinkError.
     */
    static void checkDriverLibrary() {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup("libcuda.so.1", arena);
        } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
            throw VllavaException.backendUnavailable(
                    "no NVIDIA driver: libcuda.so.1 cannot be loaded (install the NVIDIA driver >= 580, or use --backend cpu)");
        }
    }

    private int attribute(int attribute) {
        int[] value = new int[1];
        check(cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute");
        return value[0];
    }

    /**
     * Loads every packaged PTX module (the driver JIT-compiles it for this GPU on first load). A CUDA 12
     * driver cannot read nvcc 13's ISA 9.0 label; the kernels need only ISA 8.0, so they are relabelled
     * to the driver's ISA (see {@link PtxCatalog#ptxImage(String, int)}).
     */
    void loadModules(PtxCatalog catalog) {
        ensureCurrent();
        int isa = catalog.isaVersion();
        int driverIsa = PtxCatalog.maximumIsaFor(driverVersion);
        boolean relabel = driverIsa < isa;
        if (relabel && driverIsa < 80) {
            throw driverTooOld(catalog);
        }
        if (relabel) {
            LOG.warn("NVIDIA driver CUDA {} reads PTX ISA up to {}.{}: loading the kernels relabelled from {}.{}",
                    version(driverVersion), driverIsa / 10, driverIsa % 10, isa / 10, isa % 10);
        }
        for (String module : catalog.modules()) {
            modules.put(module, loadModule(module, relabel ? catalog.ptxImage(module, driverIsa) : catalog.ptxImage(module), catalog));
        }
    }

    /**
     * One module through {@code cuModuleLoadDataEx} with the JIT's error log, so that a PTX the driver
     * rejects says why (line and message) instead of only CUDA_ERROR_INVALID_PTX. The option values are
     * a native {@code void*[2]}: the log buffer's address, and its size as a pointer-sized integer.
     */
    private CUmodule loadModule(String module, byte[] image, PtxCatalog catalog) {
        ByteBuffer log = ByteBuffer.allocateDirect(JIT_LOG_BYTES);
        ByteBuffer optionValues = ByteBuffer.allocateDirect(2 * Long.BYTES).order(ByteOrder.nativeOrder());
        optionValues.putLong(0, MemorySegment.ofBuffer(log).address()).putLong(Long.BYTES, JIT_LOG_BYTES);
        int[] options = {CUjit_option.CU_JIT_ERROR_LOG_BUFFER, CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
        CUmodule loaded = new CUmodule();
        int result = cuModuleLoadDataEx(loaded, Pointer.to(image), options.length, options, Pointer.to(optionValues));
        if (result == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
            throw driverTooOld(catalog);
        }
        if (result != CUresult.CUDA_SUCCESS) {
            String jitLog = cString(log);
            check(result, "loading kernels " + module + ".ptx" + (jitLog.isBlank() ? "" : " (JIT log: " + jitLog.strip().replace('\n', ' ') + ")"));
        }
        return loaded;
    }

    /** The NUL-terminated text at the start of {@code buffer}. */
    private static String cString(ByteBuffer buffer) {
        int end = 0;
        while (end < buffer.capacity() && buffer.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end];
        buffer.get(0, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private VllavaException driverTooOld(PtxCatalog catalog) {
        return VllavaException.backendUnavailable(
                "the NVIDIA driver (CUDA %s) is too old for vllava's kernels (they need CUDA 12.0 or newer, best driver >= 580 / CUDA 13): update the driver",
                version(driverVersion));
    }

    static String version(int driverVersion) {
        return driverVersion / 1000 + "." + driverVersion % 1000 / 10;
    }

    CUfunction function(Kernel kernel, DType dtype) {
        String entry = kernel.entry(dtype);
        return functions.computeIfAbsent(entry, name -> {
            CUfunction function = new CUfunction();
            check(cuModuleGetFunction(function, modules.get(kernel.module()), name), "cuModuleGetFunction " + name);
            entryOf.put(function, name);
            return function;
        });
    }

    CUfunction function(Kernel kernel) {
        return function(kernel, DType.F32);
    }

    /** Launches on the engine stream; args are Long (device addresses, 64-bit), Integer or Float. */
    void launch(CUfunction function, Launch launch, Object... args) {
        ensureCurrent();
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = switch (args[i]) {
                case Long l -> Pointer.to(new long[] {l});
                case Integer n -> Pointer.to(new int[] {n});
                case Float f -> Pointer.to(new float[] {f});
                default -> throw new IllegalArgumentException("kernel argument " + args[i]);
            };
        }
        // The entry names the kernel: under CUDA_LAUNCH_BLOCKING=1 (the GPU check) a fault is reported by
        // its own launch, so this is the kernel that faulted.
        check(cuLaunchKernel(function, launch.gridX(), launch.gridY(), launch.gridZ(), launch.blockX(), 1, 1,
                0, stream, Pointer.to(params), null), "cuLaunchKernel " + entryOf.getOrDefault(function, "(unknown kernel)"));
    }

    long allocate(long bytes) {
        ensureCurrent();
        CUdeviceptr pointer = new CUdeviceptr();
        int result = cuMemAlloc(pointer, bytes);
        if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            long[] free = new long[1];
            long[] total = new long[1];
            cuMemGetInfo(free, total);
            throw VllavaException.backendUnavailable("out of GPU memory on device %d (%s): need %s more, %s free of %s",
                    ordinal, name, mib(bytes), mib(free[0]), mib(total[0]));
        }
        check(result, "cuMemAlloc");
        return DevicePointers.address(pointer);
    }

    void free(long address) {
        ensureCurrent();
        check(cuMemFree(DevicePointers.deviceptr(address)), "cuMemFree");
    }

    static String mib(long bytes) {
        return bytes >= (1L << 30) ? String.format("%.2f GiB", bytes / (double) (1L << 30)) : (bytes >> 20) + " MiB";
    }

    /** Copies host bytes to the device through the pinned staging buffer, in 64 MiB pieces. */
    void upload(long dst, MemorySegment src) {
        ensureCurrent();
        for (long done = 0; done < src.byteSize(); done += STAGING_BYTES) {
            long bytes = Math.min(STAGING_BYTES, src.byteSize() - done);
            MemorySegment.copy(src, done, stagingSegment, 0, bytes);
            check(cuMemcpyHtoDAsync(DevicePointers.deviceptr(dst + done), staging, bytes, stream), "cuMemcpyHtoDAsync");
            synchronize();  // the staging buffer is reused by the next piece
        }
    }

    /** Copies device bytes into a host segment (synchronous). */
    void download(MemorySegment dst, long src) {
        ensureCurrent();
        for (long done = 0; done < dst.byteSize(); done += STAGING_BYTES) {
            long bytes = Math.min(STAGING_BYTES, dst.byteSize() - done);
            check(cuMemcpyDtoHAsync(staging, DevicePointers.deviceptr(src + done), bytes, stream), "cuMemcpyDtoHAsync");
            synchronize();
            MemorySegment.copy(stagingSegment, 0, dst, done, bytes);
        }
    }

    void memset(long address, long bytes) {
        ensureCurrent();
        check(cuMemsetD8Async(DevicePointers.deviceptr(address), (byte) 0, bytes, stream), "cuMemsetD8Async");
    }

    void synchronize() {
        ensureCurrent();
        check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    CUstream stream() {
        ensureCurrent();
        return stream;
    }

    long streamHandle() {
        return DevicePointers.address(stream);
    }

    /** {free, total} bytes of device memory. */
    long[] memoryInfo() {
        long[] free = new long[1];
        long[] total = new long[1];
        check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return new long[] {free[0], total[0]};
    }

    static void check(int result, String what) {
        if (result != CUresult.CUDA_SUCCESS) {
            String meaning = CUresult.stringFor(result);
            if (result == CUresult.CUDA_ERROR_NO_DEVICE) {
                throw VllavaException.backendUnavailable("no CUDA device found (%s)", meaning);
            }
            if (result == CUDA_ERROR_INSUFFICIENT_DRIVER || result == CUresult.CUDA_ERROR_NOT_INITIALIZED) {
                throw VllavaException.backendUnavailable("the NVIDIA driver is not usable (%s in %s)", meaning, what);
            }
            throw new VllavaException(Failure.INTERNAL, "CUDA error in " + what + ": " + meaning);
        }
    }

    @Override
    public void close() {
        synchronize();
        for (CUmodule module : modules.values()) {
            cuModuleUnload(module);
        }
        cuMemFreeHost(staging);
        cuStreamDestroy(stream);
        cuDevicePrimaryCtxRelease(device);
    }

}
