package dev.vllava.checkpoint;

import dev.vllava.VllavaException;
import dev.vllava.io.BoundedInput;
import dev.vllava.config.VideoLlavaConfig;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Video-LLaVA checkpoint: its config and every weight, checked against {@link CheckpointSchema}
 * before anything computes. Opening reads config.json and the safetensors headers only; the
 * weights stay memory-mapped, so opening a 14 GB checkpoint costs the same as opening a tiny one.
 */
public final class Checkpoint implements AutoCloseable {
    private final VideoLlavaConfig config;
    private final Path modelDir;
    private final List<SafeTensorsFile> files;
    private final Map<String, TensorData> tensors;

    private Checkpoint(VideoLlavaConfig config, Path modelDir, List<SafeTensorsFile> files, Map<String, TensorData> tensors) {
        this.config = config;
        this.modelDir = modelDir;
        this.files = files;
        this.tensors = tensors;
    }

    /**
     * Opens {@code config.json} and {@code model.safetensors} (or the shards of
     * {@code model.safetensors.index.json}); every problem found becomes one checkpoint error.
     */
    public static Checkpoint open(Path modelDir) {
        if (!Files.exists(modelDir, LinkOption.NOFOLLOW_LINKS)) {
            throw VllavaException.checkpoint("model folder %s does not exist", modelDir);
        }
        if (!Files.exists(modelDir)) { // a dangling link or a link loop
            throw VllavaException.checkpoint("model folder %s: %s", modelDir, BoundedInput.whyNotRegular(modelDir));
        }
        if (!Files.isDirectory(modelDir)) {
            throw VllavaException.checkpoint("%s is not a folder (--model takes the checkpoint folder)", modelDir);
        }
        VideoLlavaConfig config = VideoLlavaConfig.load(modelDir);
        CheckpointProblems problems = new CheckpointProblems(modelDir.toString());
        CheckpointFiles opened = CheckpointFiles.open(modelDir, problems);
        try {
            Map<String, TensorData> tensors = check(config, opened.entries, opened.explained, opened.unreadableFile, problems);
            problems.throwIfAny();
            return new Checkpoint(config, modelDir, List.copyOf(opened.files), tensors);
        } catch (RuntimeException e) {
            opened.close();
            throw e;
        }
    }

    /** Weights already in memory (synthetic or converted), checked like a file checkpoint. */
    public static Checkpoint inMemory(VideoLlavaConfig config, Map<String, TensorData> weights) {
        CheckpointProblems problems = new CheckpointProblems("(in memory)");
        Map<String, SafeTensorsFile.Entry> entries = new LinkedHashMap<>();
        weights.forEach((name, t) -> entries.put(name, new SafeTensorsFile.Entry(name, t.dtype().name(), t.shape(), t.data())));
        Map<String, TensorData> tensors = check(config, entries, Set.of(), false, problems);
        problems.throwIfAny();
        return new Checkpoint(config, null, List.of(), tensors);
    }

    /** Matches the entries against the schema; returns the expected tensors in schema order. */
    private static Map<String, TensorData> check(VideoLlavaConfig config, Map<String, SafeTensorsFile.Entry> entries,
            Set<String> explained, boolean allExplained, CheckpointProblems problems) {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Set<String> expectedNames = new HashSet<>();
        for (TensorSpec spec : CheckpointSchema.expected(config)) {
            expectedNames.add(spec.name());
            SafeTensorsFile.Entry entry = entries.get(spec.name());
            if (entry == null) {
                if (!allExplained && !explained.contains(spec.name())) {
                    problems.missing(spec.name());
                }
            } else if (!spec.matches(entry.shape())) {
                problems.misShaped(spec.name(), Arrays.toString(spec.shape()), Arrays.toString(entry.shape()));
            } else if (entry.computeType().isEmpty()) {
                problems.badDtype(spec.name(), entry.dtype());
            } else {
                tensors.put(spec.name(), entry.toTensorData());
            }
        }
        for (String name : entries.keySet()) {
            if (!expectedNames.contains(name) && !CheckpointSchema.ignorable(name, config)) {
                problems.unexpected(name);
            }
        }
        return Collections.unmodifiableMap(tensors);
    }

    public VideoLlavaConfig config() {
        return config;
    }

    /** The folder it was opened from; empty for an in-memory checkpoint. */
    public Optional<Path> modelDir() {
        return Optional.ofNullable(modelDir);
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public TensorData tensor(String name) {
        TensorData tensor = tensors.get(name);
        if (tensor == null) {
            throw VllavaException.checkpoint("checkpoint %s has no tensor %s", modelDir == null ? "(in memory)" : modelDir, name);
        }
        return tensor;
    }

    /** Every weight, in {@link CheckpointSchema#expected} order. */
    public Collection<TensorData> tensors() {
        return tensors.values();
    }

    /** The safetensors files (one, or one per shard); empty in memory. */
    public List<Path> files() {
        return files.stream().map(SafeTensorsFile::path).toList();
    }

    /** Sum of the safetensors file sizes. */
    public long bytesOnDisk() {
        return files.stream().mapToLong(SafeTensorsFile::fileSize).sum();
    }

    /** Unmaps every file: TensorData taken from this checkpoint must not be used afterwards. */
    @Override
    public void close() {
        files.forEach(SafeTensorsFile::close);
    }
}
