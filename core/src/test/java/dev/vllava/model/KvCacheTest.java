package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Decoding with the cache must equal recomputing the whole sequence: the logits after feeding token t
 * through the cache against a fresh prefill of prompt + t tokens, within 1e-4 (the same float32
 * arithmetic, only the attention reduction splits differently).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvCacheTest {
    private static final double TOLERANCE = 1e-4;
    private static final int STEPS = 6;

    private GoldenData golden;
    private Engine engine;
    private LlamaDecoder decoder;
    private int[] prompt;

    @BeforeAll
    void load() {
        golden = GoldenData.tinyA();
        engine = new CpuEngine(2);
        decoder = VideoLlava.load(golden.config(), golden.modelTensors(), engine).decoder();
        // a text-only prompt: the image prompt without its placeholder
        prompt = Arrays.stream(GoldenData.ints(golden.prompt("image_q").get("unexpanded_input_ids")))
                .filter(id -> id != golden.config().imageTokenIndex()).toArray();
    }

    @AfterAll
    void close() {
        engine.close();
        golden.close();
    }

    @Test
    void cachedDecodeMatchesRecomputingTheWholeSequence() {
        int[] sequence = Arrays.copyOf(prompt, prompt.length + STEPS);
        float[][] cachedLogits = new float[STEPS + 1][];
        try (KvCache cache = decoder.newKvCache(64)) {
            cachedLogits[0] = prefill(prompt, cache);
            for (int t = 1; t <= STEPS; t++) {
                sequence[prompt.length + t - 1] = argmax(cachedLogits[t - 1]);
                cachedLogits[t] = engine.download(decoder.decodeStep(sequence[prompt.length + t - 1], cache));
            }
            assertEquals(prompt.length + STEPS, cache.length(), "tokens held after prefill and decoding");
        }
        for (int t = 1; t <= STEPS; t++) {
            try (KvCache fresh = decoder.newKvCache(64)) {
                float[] recomputed = prefill(Arrays.copyOf(sequence, prompt.length + t), fresh);
                double error = GoldenData.maxAbsDiff(cachedLogits[t], recomputed);
                int step = t;
                assertTrue(error <= TOLERANCE, () -> String.format(
                        "step %d: cached vs recomputed logits differ by %.3g > %.0e", step, error, TOLERANCE));
            }
        }
    }

    @Test
    void truncateRewindsToAnEarlierState() {
        try (KvCache cache = decoder.newKvCache(64)) {
            prefill(prompt, cache);
            float[] first = engine.download(decoder.decodeStep(5, cache));
            decoder.decodeStep(7, cache);
            cache.truncate(prompt.length);
            float[] again = engine.download(decoder.decodeStep(5, cache));
            assertTrue(GoldenData.maxAbsDiff(first, again) == 0, "same cache contents and token give the same logits");
            cache.reset();
            assertEquals(0, cache.length());
        }
    }

    @Test
    void overflowingTheCacheIsAContextOverflowError() {
        try (KvCache cache = decoder.newKvCache(prompt.length)) {
            prefill(prompt, cache);
            VllavaException error = assertThrows(VllavaException.class, () -> decoder.decodeStep(5, cache));
            assertEquals(Failure.CONTEXT_OVERFLOW, error.failure());
            assertEquals(prompt.length, cache.length(), "a refused step leaves the cache as it was");
        }
    }

    private float[] prefill(int[] ids, KvCache cache) {
        try (Tensor embeddings = decoder.embed(ids)) {
            return engine.download(decoder.prefill(embeddings, cache));
        }
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
