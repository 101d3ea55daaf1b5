package dev.vllava.cli;

import dev.vllava.checkpoint.Checkpoint;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.engine.Engine;
import dev.vllava.model.LoadedVideoLlava;
import dev.vllava.model.VisualInput;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The engine and pipeline of one command, opened with progress on a terminal and timed for
 * {@code --json} / {@code --stats}: {@link #loadMs} covers engine start, checkpoint, tokenizer and
 * weight placement; {@link #loadMedia} adds up media decoding and preprocessing.
 */
final class LoadedModel implements AutoCloseable {
    private static final long PAGE_BYTES = 4096;

    final Engine engine;
    final LoadedVideoLlava pipeline;
    final double loadMs;
    /** Milliseconds from JVM start to the first model operation (opening the checkpoint); -1 unless asked for. */
    final double startupMs;
    /** How the weights depart from the stored reference, for --json ({@link WeightsChoice#label}); null when exact. */
    final String weights;
    private final TerminalProgress progress;
    private double mediaMs;

    private LoadedModel(Engine engine, LoadedVideoLlava pipeline, double loadMs, double startupMs, String weights, TerminalProgress progress) {
        this.engine = engine;
        this.weights = weights;
        this.pipeline = pipeline;
        this.loadMs = loadMs;
        this.startupMs = startupMs;
        this.progress = progress;
    }

    static LoadedModel open(ModelOptions options, TerminalProgress progress, boolean measureStartup) {
        options.validate();
        double startupMs = measureStartup ? sinceJvmStartMs() : -1;
        if (startupMs >= 0) {
            // CPU time (all threads: JIT and GC included) says what startup costs when the machine is busy and wall time does not
            long cpuMs = ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(-1L);
            LoggerFactory.getLogger(LoadedModel.class).info("first model op at {} ms after JVM start ({} ms of CPU)", Math.round(startupMs), cpuMs);
        }
        long start = System.nanoTime();
        Engine engine = options.engine.open(System.err::println);
        try {
            if (progress.enabled()) {
                pageIn(options.modelDir, progress);
            }
            LoadedVideoLlava pipeline;
            try (TerminalProgress.Step step = progress.start("Loading model", -1, null, 1)) {
                pipeline = LoadedVideoLlava.load(options.modelDir, engine, options.visualTokens.budget());
            }
            ModelOptions.useFeatureCache(pipeline, options.cacheDir);
            double loadMs = (System.nanoTime() - start) / 1e6;
            return new LoadedModel(engine, pipeline, loadMs, startupMs, WeightsChoice.label(options.engine.weights, options.modelDir),
                    progress);
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /**
     * Reads one byte of every page of the weights so the disk reads of a large checkpoint happen
     * under a progress bar instead of silently during the first prefill (the CPU engine computes
     * straight from the memory-mapped file). The pages stay in the page cache for the real mapping.
     */
    private static void pageIn(Path modelDir, TerminalProgress progress) {
        try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            long total = checkpoint.tensors().stream().mapToLong(t -> t.data().byteSize()).sum();
            try (TerminalProgress.Step step = progress.start("Paging in weights", total, "MB", 1 << 20)) {
                byte sink = 0;
                for (TensorData tensor : checkpoint.tensors()) {
                    MemorySegment data = tensor.data();
                    for (long offset = 0; offset < data.byteSize(); offset += PAGE_BYTES) {
                        sink ^= data.get(ValueLayout.JAVA_BYTE, offset);
                    }
                    step.stepBy(data.byteSize());
                }
                if (sink == 42) {
                    Thread.onSpinWait(); // keeps the reads from being optimized away
                }
            }
        }
    }

    /** Images then videos, in the order given (the order of their placeholders). */
    List<VisualInput> loadMedia(List<Path> images, List<Path> videos, int frames) {
        List<VisualInput> media = new ArrayList<>();
        int total = images.size() + videos.size();
        if (total == 0) {
            return media;
        }
        long start = System.nanoTime();
        try (TerminalProgress.Step step = progress.start("Reading media", total, null, 1)) {
            for (Path image : images) {
                media.add(pipeline.image(image));
                step.stepBy(1);
            }
            for (Path video : videos) {
                media.add(pipeline.video(video, frames));
                step.stepBy(1);
            }
        }
        mediaMs += (System.nanoTime() - start) / 1e6;
        return media;
    }

    double mediaMs() {
        return mediaMs;
    }

    void resetMediaTime() {
        mediaMs = 0;
    }

    /**
     * Milliseconds since the process started (the kernel's start time, 10 ms resolution; cheaper than
     * java.management's RuntimeMXBean, which would itself add to the startup it measures).
     */
    static double sinceJvmStartMs() {
        return ProcessHandle.current().info().startInstant()
                .map(start -> (double) (System.currentTimeMillis() - start.toEpochMilli()))
                .orElse(-1.0);
    }

    @Override
    public void close() {
        try {
            pipeline.close();
        } finally {
            engine.close();
        }
    }
}
