package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.model.FeatureCache;
import dev.vllava.model.LoadedVideoLlava;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Which checkpoint, on which compute engine, with how many visual tokens: the options {@code ask} and {@code chat} share. */
final class ModelOptions {

    @Option(names = "--model", paramLabel = "DIR", defaultValue = "${env:VLLAVA_MODEL}",
            description = "Checkpoint folder (config.json, *.safetensors, tokenizer); default: $VLLAVA_MODEL.")
    Path modelDir;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto", completionCandidates = BackendNames.class,
            description = "Compute engine: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}: CUDA when a usable GPU is present, else CPU).")
    String backend;

    @Option(names = "--threads", paramLabel = "N", description = "CPU backend threads (default: all cores).")
    Integer threads;

    @Option(names = "--device", paramLabel = "N", defaultValue = "0", description = "CUDA device ordinal (default: ${DEFAULT-VALUE}).")
    int device;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "8", description = "Frames sampled per video (default: ${DEFAULT-VALUE}).")
    int frames;

    @Mixin
    VisualTokenOptions visualTokens;

    @Option(names = "--weights", paramLabel = "q8|q4", description = WeightsChoice.DESCRIPTION)
    String weights;

    @Option(names = "--cache-dir", paramLabel = "DIR", defaultValue = "${env:VLLAVA_CACHE}",
            description = "Keep projected video/image features here across runs (at most 4 GiB, least recently used go first); default: $VLLAVA_CACHE, else none.")
    Path cacheDir;

    /** Turns on the feature cache when {@code --cache-dir} or {@code VLLAVA_CACHE} names a folder. */
    static void useFeatureCache(LoadedVideoLlava pipeline, Path cacheDir) {
        if (cacheDir != null && !cacheDir.toString().isEmpty()) {
            pipeline.useFeatureCache(cacheDir, FeatureCache.DEFAULT_MAX_BYTES);
        }
    }

    /** The model folder, or a usage error naming both ways to give it. */
    Path requireModelDir() {
        if (modelDir == null || modelDir.toString().isEmpty()) {
            throw VllavaException.usage("no model: give --model DIR or set VLLAVA_MODEL");
        }
        return modelDir;
    }

    /** Checks the values picocli cannot check by type; a usage error otherwise. */
    void validate() {
        requireModelDir();
        if (!BackendNames.NAMES.contains(backend)) {
            throw VllavaException.usage("--backend must be one of auto, cpu, cuda, got '%s'", backend);
        }
        if (threads != null && threads < 1) {
            throw VllavaException.usage("--threads must be at least 1, got %d", threads);
        }
        if (frames < 1) {
            throw VllavaException.usage("--frames must be at least 1, got %d", frames);
        }
        if (device < 0) {
            throw VllavaException.usage("--device must be >= 0, got %d", device);
        }
        visualTokens.budget();
        WeightsChoice.parse(weights);
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
