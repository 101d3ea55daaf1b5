package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.engine.Engine;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** Which compute engine runs the model, and how: the options every command that loads a checkpoint shares. */
final class EngineOptions {

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto", completionCandidates = BackendNames.class,
            description = "Compute engine: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}: CUDA when a usable GPU is present, else CPU).")
    String backend;

    @Option(names = "--threads", paramLabel = "N", description = "CPU backend threads (default: all cores).")
    Integer threads;

    @Option(names = "--device", paramLabel = "N", defaultValue = "0", description = "CUDA device ordinal (default: ${DEFAULT-VALUE}).")
    int device;

    @Option(names = "--weights", paramLabel = "q8|q4", description = WeightsChoice.DESCRIPTION)
    String weights;

    /** Checks the values picocli cannot check by type; a usage error otherwise. */
    void validate() {
        if (!BackendNames.NAMES.contains(backend)) {
            throw VllavaException.usage("--backend must be one of auto, cpu, cuda, got '%s'", backend);
        }
        if (threads != null && threads < 1) {
            throw VllavaException.usage("--threads must be at least 1, got %d", threads);
        }
        if (device < 0) {
            throw VllavaException.usage("--device must be >= 0, got %d", device);
        }
        WeightsChoice.parse(weights);
    }

    /** Opens the engine these options name ({@code note}: the one line said when {@code auto} falls back to the CPU). */
    Engine open(Consumer<String> note) {
        return Backends.open(backend, threads, device, WeightsChoice.parse(weights), note);
    }

    /** Completion candidates and the accepted values of {@code --backend}. */
    static final class BackendNames implements Iterable<String> {
        static final List<String> NAMES = List.of("auto", "cpu", "cuda");

        @Override
        public Iterator<String> iterator() {
            return NAMES.iterator();
        }
    }
}
