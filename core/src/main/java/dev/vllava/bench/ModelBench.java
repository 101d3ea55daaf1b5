package dev.vllava.bench;

import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.model.KvCache;
import dev.vllava.model.LlamaDecoder;
import dev.vllava.model.VideoLlava;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Times the three stages of answering about a video on any engine, through the model's own code:
 * the video tower + projector over {@code frames} frames of random pixels, the Llama prefill of
 * {@code promptTokens} tokens, and {@code decodeTokens} greedy decode steps after it. Each stage
 * runs once untimed first (shorter: one frame, a few tokens) so that the JIT and the engine's
 * buffers are warm; what is timed is one run, ended by {@code synchronize}.
 */
public final class ModelBench {

    /**
     * @param frames        video frames encoded (257 tokens each at 224 px)
     * @param promptTokens  tokens prefilled (random ids: the cost does not depend on the values)
     * @param decodeTokens  decode steps timed, after {@link #DECODE_WARMUP} untimed ones
     */
    public record Options(int frames, int promptTokens, int decodeTokens) {
        public Options {
            if (frames < 1 || promptTokens < 1 || decodeTokens < 1) {
                throw new IllegalArgumentException("frames, prompt tokens and decode tokens must be positive");
            }
        }
    }

    /**
     * @param decodeContext tokens in the cache when the first timed decode step ran
     * @param visionCpuMs   process CPU time during the timed vision run (all threads; likewise the others):
     *                      compared with wall time × threads, it shows how much of a shared machine the run had
     */
    public record Timings(int frames, int visualTokens, double visionMs, int promptTokens, double prefillMs,
                          int decodeTokens, int decodeContext, double decodeMs, double visionCpuMs, double prefillCpuMs,
                          double decodeCpuMs) {
        public double decodeMsPerToken() {
            return decodeMs / decodeTokens;
        }
    }

    static final int DECODE_WARMUP = 2;
    private static final int PREFILL_WARMUP_TOKENS = 16;

    private ModelBench() {}

    /** Total KV cache capacity the run needs. */
    public static int contextNeeded(Options options) {
        return options.promptTokens() + DECODE_WARMUP + options.decodeTokens();
    }

    /**
     * @param synchronize waits for the engine's queued work (a no-op on the CPU)
     * @param progress    a line per stage, for stderr
     */
    public static Timings run(VideoLlava model, Options options, Runnable synchronize, Consumer<String> progress) {
        Engine engine = model.engine();
        Random random = new Random(42);
        int size = model.config().vision().imageSize();
        int channels = model.config().vision().numChannels();

        progress.accept("vision: warm-up frame");
        encode(model, randomPixels(random, 1, channels, size), 1, synchronize);
        progress.accept("vision: " + options.frames() + " frame(s)");
        float[] pixels = randomPixels(random, options.frames(), channels, size);
        long start = System.nanoTime();
        double cpuStart = processCpuMs();
        int visualTokens = encode(model, pixels, options.frames(), synchronize);
        double visionMs = millisSince(start);
        double visionCpuMs = processCpuMs() - cpuStart;

        LlamaDecoder decoder = model.decoder();
        int vocab = model.config().text().vocabSize();
        try (KvCache cache = decoder.newKvCache(contextNeeded(options))) {
            progress.accept("prefill: warm-up");
            prefill(engine, decoder, cache, randomIds(random, Math.min(PREFILL_WARMUP_TOKENS, options.promptTokens()), vocab));
            cache.reset();
            progress.accept("prefill: " + options.promptTokens() + " tokens");
            int[] prompt = randomIds(random, options.promptTokens(), vocab);
            start = System.nanoTime();
            cpuStart = processCpuMs();
            int token = prefill(engine, decoder, cache, prompt);
            double prefillMs = millisSince(start);
            double prefillCpuMs = processCpuMs() - cpuStart;

            progress.accept("decode: " + DECODE_WARMUP + " warm-up + " + options.decodeTokens() + " tokens");
            for (int i = 0; i < DECODE_WARMUP; i++) {
                token = engine.argmax(decoder.decodeStep(token, cache));
            }
            int decodeContext = cache.length();
            start = System.nanoTime();
            cpuStart = processCpuMs();
            for (int i = 0; i < options.decodeTokens(); i++) {
                // argmax reads the logits back, so each step is complete before the next is queued
                token = engine.argmax(decoder.decodeStep(token, cache));
            }
            synchronize.run();
            double decodeMs = millisSince(start);
            double decodeCpuMs = processCpuMs() - cpuStart;
            return new Timings(options.frames(), visualTokens, visionMs, options.promptTokens(), prefillMs,
                    options.decodeTokens(), decodeContext, decodeMs, visionCpuMs, prefillCpuMs, decodeCpuMs);
        }
    }

    private static int encode(VideoLlava model, float[] pixels, int frames, Runnable synchronize) {
        try (Tensor features = model.videoFeatures(pixels, frames)) {
            synchronize.run();
            return features.rows();
        }
    }

    /** Prefills {@code ids}; returns the greedy next token (reading it back completes the logits). */
    private static int prefill(Engine engine, LlamaDecoder decoder, KvCache cache, int[] ids) {
        try (Tensor embeddings = decoder.embed(ids)) {
            return engine.argmax(decoder.prefill(embeddings, cache));
        }
    }

    private static float[] randomPixels(Random random, int frames, int channels, int size) {
        float[] pixels = new float[frames * channels * size * size];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian(); // the scale of CLIP-normalised pixels
        }
        return pixels;
    }

    private static int[] randomIds(Random random, int count, int vocab) {
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = 1 + random.nextInt(vocab - 1);
        }
        return ids;
    }

    /** CPU time of the whole process so far (Linux: from /proc, 10 ms resolution); 0 where unknown. */
    private static double processCpuMs() {
        return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e6).orElse(0.0);
    }

    private static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }
}
