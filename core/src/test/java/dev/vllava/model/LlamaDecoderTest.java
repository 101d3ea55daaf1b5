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
import dev.vllava.model.LlamaDecoder.StepLimits;
import java.util.Arrays;
import java.util.List;
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
    void promptAndDecodeStepsAllocateNothingAfterLoading() {
        CountingEngine counting = new CountingEngine(engine);
        LlamaDecoder counted = VideoLlava.load(golden.config(), golden.modelTensors(), counting.engine()).decoder();
        try (KvCache cache = counted.newKvCache(32); Tensor prompt = counted.embed(new int[] {1, 5, 6, 7})) {
            counting.takeAllocations();
            counted.prefill(prompt, cache);
            counted.decodeStep(8, cache);
            Engine.MemoryUse before = engine.memoryUse();
            for (int token = 9; token < 15; token++) {
                counted.decodeStep(token, cache);
            }
            assertEquals(0, counting.takeAllocations(), "the step's activations live in the workspace allocated at load");
            assertEquals(before, engine.memoryUse(), "the engine's memory (held and peak) does not move across decode steps");
        } finally {
            counted.close();
        }
    }

    @Test
    void aPromptLongerThanTheWorkspaceRunsInPassesWithTheSameLogits() {
        int[] prompt = {1, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30};
        int[] history = {1, 11, 12};
        CheckpointTensors text = new CheckpointTensors(golden.modelTensors(), "").under("language_model.");
        try (LlamaDecoder small = new LlamaDecoder(engine, golden.config().text(), text, new StepLimits(4, 2));
                KvCache whole = decoder.newKvCache(32); KvCache passes = small.newKvCache(32);
                KvCache decodingWhole = decoder.newKvCache(32); KvCache decodingInPasses = small.newKvCache(32)) {
            prefill(history, decodingWhole);
            try (Tensor embeddings = small.embed(history)) {
                small.prefill(embeddings, decodingInPasses);
            }
            int[] stepIds = new int[prompt.length + 1];
            System.arraycopy(prompt, 0, stepIds, 0, prompt.length);
            stepIds[prompt.length] = 40;
            float[] inOnePass;
            float[] inPasses;
            try (Tensor embeddings = decoder.embed(stepIds)) {
                inOnePass = engine.download(decoder.forward(embeddings,
                        List.of(new SequenceRows(whole, prompt.length), new SequenceRows(decodingWhole, 1))));
                inPasses = engine.download(small.forward(embeddings,
                        List.of(new SequenceRows(passes, prompt.length), new SequenceRows(decodingInPasses, 1))));
            }
            assertTrue(GoldenData.maxAbsDiff(inOnePass, inPasses) < TOLERANCE, "passes of 4 rows: the prompt's rows 0-3, 4-7, then 8-10 with the decode row");
            assertEquals(prompt.length, passes.length());
            assertEquals(history.length + 1, decodingInPasses.length());
            assertTrue(GoldenData.maxAbsDiff(engine.download(decoder.decodeStep(41, whole)), engine.download(small.decodeStep(41, passes))) < TOLERANCE,
                    "the cache written in passes holds what one pass writes");
        }
    }

    @Test
    void aStepOfMoreSequencesThanTheWorkspaceHoldsIsRefusedBeforeItRuns() {
        CheckpointTensors text = new CheckpointTensors(golden.modelTensors(), "").under("language_model.");
        try (LlamaDecoder small = new LlamaDecoder(engine, golden.config().text(), text, new StepLimits(4, 2));
                KvCache a = small.newKvCache(8); KvCache b = small.newKvCache(8); KvCache c = small.newKvCache(8)) {
            assertThrows(IllegalArgumentException.class, () -> small.decodeStep(new int[] {5, 6, 7}, List.of(a, b, c)));
            assertEquals(0, a.length());
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
