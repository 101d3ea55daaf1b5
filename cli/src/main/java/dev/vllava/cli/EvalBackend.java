package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.engine.Engine;
import dev.vllava.engine.cpu.CpuEngine;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;

/**
 * The engine {@code vllava eval --backend cpu|cuda|auto} runs on. The CUDA engine lives in the kernels
 * module and is looked up by name, so that this command builds (and runs on the CPU) whether or not that
 * module holds it yet.
 */
final class EvalBackend {
    private static final String CUDA_ENGINE = "dev.vllava.cuda.CudaEngine";

    private EvalBackend() {}

    /** @param threads CPU threads, null for all cores */
    static Engine open(String backend, Integer threads, PrintStream notes) {
        return switch (backend) {
            case "cpu" -> cpu(threads);
            case "cuda" -> cuda();
            case "auto" -> {
                try {
                    yield cuda();
                } catch (VllavaException e) {
                    if (e.failure() != dev.vllava.Failure.BACKEND_UNAVAILABLE) {
                        throw e;
                    }
                    notes.println("vllava: no usable GPU (" + e.getMessage() + "); running on the CPU");
                    yield cpu(threads);
                }
            }
            default -> throw VllavaException.usage("--backend %s: expected cpu, cuda or auto", backend);
        };
    }

    private static Engine cpu(Integer threads) {
        int count = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (count < 1) {
            throw VllavaException.usage("--threads must be at least 1, got %d", count);
        }
        return new CpuEngine(count);
    }

    private static Engine cuda() {
        Class<?> engineClass;
        try {
            engineClass = Class.forName(CUDA_ENGINE);
        } catch (ClassNotFoundException e) {
            throw VllavaException.backendUnavailable("this build of vllava has no CUDA engine");
        }
        try {
            return (Engine) engineClass.getMethod("open", int.class).invoke(null, 0);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw VllavaException.backendUnavailable("CUDA engine: %s", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw VllavaException.backendUnavailable("CUDA engine cannot be opened: %s", e);
        }
    }
}
