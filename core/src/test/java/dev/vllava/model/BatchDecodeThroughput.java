package dev.vllava.model;

import dev.vllava.checkpoint.Checkpoint;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.SyntheticCheckpoint;
import dev.vllava.config.TextConfig;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.config.VisionConfig;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: decode tokens/s of {@link LlamaDecoder#decodeStep(int[], List)} for 1 to 8 sequences on a random F16 Llama whose
 * weights (~0.6 GB) do not fit any cache, so that a decode step is memory-bound as with the 7B model.
 * Run with the core test classpath: {@code java --add-modules jdk.incubator.vector -cp ... dev.vllava.model.BatchDecodeThroughput [threads [batch sizes...]]}.
 */
public final class BatchDecodeThroughput {
    private static final int STEPS = 12;

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        VisionConfig vision = new VisionConfig(32, 64, 2, 4, 3, 28, 14, "quick_gelu", 1e-5);
        TextConfig text = new TextConfig(32064, 2048, 5504, 4, 16, 16, 128, "silu", 4096, 1e-5, 10000.0, false, false, false);
        VideoLlavaConfig config = new VideoLlavaConfig(vision, text, 32000, 32001, 32002, "gelu", -2, "default", 4, 40);
        Checkpoint checkpoint = SyntheticCheckpoint.random(config, DType.F16, 1, 0.02f);
        try (CpuEngine engine = new CpuEngine(threads)) {
            VideoLlava model = VideoLlava.load(checkpoint, engine);
            LlamaDecoder decoder = model.decoder();
            int[] batchSizes = args.length > 1 ? java.util.Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
                    : new int[] {1, 2, 4, 8};
            for (int rows : batchSizes) {
                List<KvCache> caches = new ArrayList<>();
                for (int b = 0; b < rows; b++) {
                    KvCache cache = decoder.newKvCache(256);
                    try (Tensor prompt = decoder.embed(new int[] {1, 100 + b, 200, 300, 400, 500, 600, 700})) {
                        decoder.prefill(prompt, cache);
                    }
                    caches.add(cache);
                }
                int[] tokens = new int[rows];
                java.util.Arrays.fill(tokens, 42);
                for (int warm = 0; warm < 3; warm++) {
                    decoder.decodeStep(tokens, caches);
                }
                long start = System.nanoTime();
                for (int step = 0; step < STEPS; step++) {
                    decoder.decodeStep(tokens, caches);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "batch %d: %.1f ms per step, %.1f tokens/s%n", rows,
                        seconds * 1000 / STEPS, rows * STEPS / seconds);
                caches.forEach(KvCache::close);
            }
            KvCache single = decoder.newKvCache(256);
            long start = System.nanoTime();
            for (int step = 0; step < STEPS; step++) {
                decoder.decodeStep(42, single);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "LlamaDecoder.decodeStep (vllava ask): %.1f ms per step%n", seconds * 1000 / STEPS);
            single.close();
            model.close();
        }
        checkpoint.close();
    }
}
