package dev.vllava.cli;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.cuda.CudaEngine;
import dev.vllava.engine.Engine;
import dev.vllava.engine.cpu.CpuEngine;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * {@code --backend cpu|cuda|auto}. {@code cuda} fails with exit 5 when the GPU cannot be used.
 * {@code auto} takes CUDA when it opens and falls back to the CPU otherwise: silently (a {@code -v}
 * log line) on a machine without an NVIDIA driver, where the CPU is the only choice, and with one
 * note on stderr when a driver is installed but CUDA still failed, since that user expected the GPU.
 */
final class Backends {
    private Backends() {}

    static Engine open(ModelOptions options, Consumer<String> note) {
        return switch (options.backend) {
            case "cpu" -> cpu(options);
            case "cuda" -> cuda(options);
            default -> auto(options, note);
        };
    }

    private static Engine cpu(ModelOptions options) {
        int threads = options.threads != null ? options.threads : Runtime.getRuntime().availableProcessors();
        return new CpuEngine(threads);
    }

    private static Engine cuda(ModelOptions options) {
        try {
            return CudaEngine.open(options.device);
        } catch (LinkageError e) {
            throw VllavaException.backendUnavailable("the CUDA backend cannot start: %s", e);
        }
    }

    private static Engine auto(ModelOptions options, Consumer<String> note) {
        if (!driverInstalled()) {
            LoggerFactory.getLogger(Backends.class).info("using the cpu backend: no NVIDIA driver (libcuda.so.1 not found)");
            return cpu(options);
        }
        try {
            Engine engine = cuda(options);
            LoggerFactory.getLogger(Backends.class).info("using the cuda backend");
            return engine;
        } catch (VllavaException e) {
            if (e.failure() != Failure.BACKEND_UNAVAILABLE) {
                throw e;
            }
            note.accept("vllava: using the cpu backend: " + e.getMessage());
            return cpu(options);
        }
    }

    /** Whether the NVIDIA driver library can be loaded (cheap: no CUDA call is made). */
    static boolean driverInstalled() {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup("libcuda.so.1", arena);
            return true;
        } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
            return false;
        }
    }
}
