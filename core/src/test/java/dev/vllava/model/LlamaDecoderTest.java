package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.model.LlamaDecoder.SequenceRows;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The one forward pass over several sequences (tiny-a's Llama, random weights, so every logit matters):
 * a step that mixes one sequence's prompt with other sequences' decode rows gives each sequence the
 * logits it gets alone, the way a server's continuous batching will use it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LlamaDecoderTest {
    /** A mixed step's matmuls take the blocked GEMM path for all rows; alone, one row takes the GEMV path. */
    private static final double TOLERANCE = 1e-4;

    private GoldenData golden;
    private Engine engine;
    private LlamaDecoder decoder;

    @BeforeAll
    void load() {
        golden = GoldenData.tinyA();
        engine = new CpuEngine(2);
        decoder = VideoLlava.load(golden.config(), golden.modelTensors(), engine).decoder();
    }

    @AfterAll
    void close() {
        engine.close();
        golden.close();
    }

    @Test
    void aStepMixingAPromptAndDecodeRowsGivesEachSequenceItsOwnLogits() {
        int[] history = {1, 11, 12, 13, 14};
        int[] prompt = {1, 21, 22, 23, 24, 25, 26};
        int next = 31;
        try (KvCache decoding = decoder.newKvCache(32); KvCache prefilling = decoder.newKvCache(32);
                KvCache decodingAlone = decoder.newKvCache(32); KvCache prefillingAlone = decoder.newKvCache(32)) {
            prefill(history, decoding);
            prefill(history, decodingAlone);
            float[] decodeAlone = engine.download(decoder.decodeStep(next, decodingAlone));
            float[] prefillAlone = prefill(prompt, prefillingAlone);

            int[] stepIds = new int[1 + prompt.length];
            stepIds[0] = next;
            System.arraycopy(prompt, 0, stepIds, 1, prompt.length);
            float[] mixed;
            try (Tensor embeddings = decoder.embed(stepIds)) {
                mixed = engine.download(decoder.forward(embeddings,
                        List.of(new SequenceRows(decoding, 1), new SequenceRows(prefilling, prompt.length))));
            }
            int vocab = decoder.vocabularySize();
            assertEquals(2 * vocab, mixed.length, "one logits row per sequence: its last row's");
            assertTrue(GoldenData.maxAbsDiff(decodeAlone, Arrays.copyOfRange(mixed, 0, vocab)) < TOLERANCE, "the decoding sequence");
            assertTrue(GoldenData.maxAbsDiff(prefillAlone, Arrays.copyOfRange(mixed, vocab, 2 * vocab)) < TOLERANCE, "the prefilling sequence");
            assertEquals(history.length + 1, decoding.length());
            assertEquals(prompt.length, prefilling.length());
        }
    }

    @Test
    void batchedDecodeRowsEqualSingleStepsBitForBit() {
        try (KvCache a = decoder.newKvCache(16); KvCache b = decoder.newKvCache(16);
                KvCache aAlone = decoder.newKvCache(16); KvCache bAlone = decoder.newKvCache(16)) {
            prefill(new int[] {1, 5, 6}, a);
            prefill(new int[] {1, 5, 6}, aAlone);
            prefill(new int[] {1, 7, 8, 9, 10}, b);
            prefill(new int[] {1, 7, 8, 9, 10}, bAlone);
            float[] batched = engine.download(decoder.decodeStep(new int[] {40, 41}, List.of(a, b)));
            int vocab = decoder.vocabularySize();
            assertArrayEquals(engine.download(decoder.decodeStep(40, aAlone)), Arrays.copyOfRange(batched, 0, vocab));
            assertArrayEquals(engine.download(decoder.decodeStep(41, bAlone)), Arrays.copyOfRange(batched, vocab, 2 * vocab));
        }
    }

    @Test
    void aDecodeLoopAllocatesNothingAfterItsFirstStep() {
        AtomicInteger allocations = new AtomicInteger();
        Engine counting = (Engine) Proxy.newProxyInstance(Engine.class.getClassLoader(), new Class<?>[] {Engine.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("allocate") || method.getName().equals("upload")) {
                        allocations.incrementAndGet();
                    }
                    try {
                        return method.invoke(engine, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        LlamaDecoder counted = VideoLlava.load(golden.config(), golden.modelTensors(), counting).decoder();
        try (KvCache cache = counted.newKvCache(32); Tensor prompt = counted.embed(new int[] {1, 5, 6, 7})) {
            counted.prefill(prompt, cache);
            counted.decodeStep(8, cache);
            allocations.set(0);
            for (int token = 9; token < 15; token++) {
                counted.decodeStep(token, cache);
            }
            assertEquals(0, allocations.get(), "the step's activations live in the decoder's reused buffers");
        } finally {
            counted.close();
        }
    }

    @Test
    void aStepWithoutRoomForEveryRowChangesNoCache() {
        try (KvCache roomy = decoder.newKvCache(16); KvCache full = decoder.newKvCache(3)) {
            prefill(new int[] {1, 5}, roomy);
            prefill(new int[] {1, 5, 6}, full);
            VllavaException error = assertThrows(VllavaException.class, () -> decoder.decodeStep(new int[] {7, 8}, List.of(roomy, full)));
            assertEquals(Failure.CONTEXT_OVERFLOW, error.failure());
            assertEquals(2, roomy.length(), "checked before any layer wrote");
            assertEquals(3, full.length());
        }
    }

    @Test
    void aCacheCannotFeedTwoRowGroupsOfOneStep() {
        try (KvCache cache = decoder.newKvCache(16)) {
            assertThrows(IllegalArgumentException.class, () -> decoder.decodeStep(new int[] {7, 8}, List.of(cache, cache)));
            assertEquals(0, cache.length());
        }
    }

    private float[] prefill(int[] ids, KvCache cache) {
        try (Tensor embeddings = decoder.embed(ids)) {
            return engine.download(decoder.prefill(embeddings, cache));
        }
    }
}
