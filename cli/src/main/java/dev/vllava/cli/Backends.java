package dev.vllava.cli;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.checkpoint.quant.LoadQuantization;
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

    /**
     * @param backend auto, cpu or cuda (anything else is a usage error)
     * @param threads CPU engine threads, null for all cores
     * @param device  CUDA device ordinal
     * @param quantizeAtLoad {@code --weights}: weights quantized while loading, or null
     */
    static Engine open(String backend, Integer threads, int device, LoadQuantization quantizeAtLoad, Consumer<String> note) {
        return switch (backend) {
            case "cpu" -> cpu(threads, quantizeAtLoad);
            case "cuda" -> cuda(device, quantizeAtLoad);
            case "auto" -> auto(threads, device, quantizeAtLoad, note);
            default -> throw VllavaException.usage("--backend must be one of auto, cpu, cuda, got '%s'", backend);
        };
    }

    private static Engine cpu(Integer threads, LoadQuantization quantizeAtLoad) {
        return new CpuEngine(threads != null ? threads : Runtime.getRuntime().availableProcessors(), quantizeAtLoad);
    }

    private static Engine cuda(int device, LoadQuantization quantizeAtLoad) {
        try {
            return CudaEngine.open(CudaEngine.Options.defaults().withDevice(device).withQuantizeAtLoad(quantizeAtLoad));
        } catch (LinkageError e) {
            throw VllavaException.backendUnavailable("the CUDA backend cannot start: %s", e);
        }
    }

    private static Engine auto(Integer threads, int device, LoadQuantization quantizeAtLoad, Consumer<String> note) {
        if (!driverInstalled()) {
            LoggerFactory.getLogger(Backends.class).info("using the cpu backend: no NVIDIA driver (libcuda.so.1 not found)");
            return cpu(threads, quantizeAtLoad);
        }
        try {
            Engine engine = cuda(device, quantizeAtLoad);
            LoggerFactory.getLogger(Backends.class).info("using the cuda backend");
            return engine;
        } catch (VllavaException e) {
            if (e.failure() != Failure.BACKEND_UNAVAILABLE) {
                throw e;
            }
            note.accept("vllava: using the cpu backend: " + e.getMessage());
            return cpu(threads, quantizeAtLoad);
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
