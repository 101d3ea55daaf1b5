package dev.vllava.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;

/** Test helpers: whether a usable GPU is here, and one shared engine for the GPU tests. */
final class Gpu {
    private static CudaEngine shared;
    private static String unavailable;
    /** A failure to open other than "unavailable": rethrown to every test, not retried by each. */
    private static VllavaException openFailure;

    private Gpu() {}

    static boolean driverPresent() {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup("libcuda.so.1", arena);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Why no engine could be opened (null when one was, or none was asked for). */
    static synchronized String unavailable() {
        return unavailable;
    }

    /**
     * The engine on device 0 (F32 weights kept F32), or the test is skipped saying why. Only "backend
     * unavailable" skips: any other failure to open (a JIT error in the PTX, a refused allocation) is a
     * failure of the code under test and fails the test.
     */
    static synchronized CudaEngine engine() {
        if (openFailure != null) {
            throw openFailure;
        }
        if (shared == null && unavailable == null) {
            try {
                shared = CudaEngine.open(new CudaEngine.Options(0, false, 256L << 20));
                Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
            } catch (VllavaException e) {
                if (e.failure() != Failure.BACKEND_UNAVAILABLE) {
                    openFailure = e;
                    throw e;
                }
                unavailable = e.getMessage();
            }
        }
        assumeTrue(shared != null, () -> "no usable GPU, CUDA tests skipped: " + unavailable);
        return shared;
    }
}
