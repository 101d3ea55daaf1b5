package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.model.FeatureCache;
import dev.vllava.model.LoadedVideoLlava;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Which checkpoint, on which compute engine, with how many frames and visual tokens: the options {@code ask} and {@code chat} share. */
final class ModelOptions {

    @Option(names = "--model", paramLabel = "DIR", defaultValue = "${env:VLLAVA_MODEL}",
            description = "Checkpoint folder (config.json, *.safetensors, tokenizer); default: $VLLAVA_MODEL.")
    Path modelDir;

    @Mixin
    EngineOptions engine;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "8", description = "Frames sampled per video (default: ${DEFAULT-VALUE}).")
    int frames;

    @Mixin
    VisualTokenOptions visualTokens;

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
        engine.validate();
        if (frames < 1) {
            throw VllavaException.usage("--frames must be at least 1, got %d", frames);
        }
        visualTokens.budget();
    }
}
