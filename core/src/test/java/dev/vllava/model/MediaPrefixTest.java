package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.generate.GenerationOptions;
import dev.vllava.generate.SamplingOptions;
import dev.vllava.generate.TokenListener;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Questions answered on a shared media prefix (paged KV blocks, prefix read once) give exactly the answers
 * of whole prompts answered alone, on tiny-a with random weights (every logit matters); the prefix's
 * blocks are held once however many questions share them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MediaPrefixTest {
    private static final String[] QUESTIONS = {"What happens?", "Is there a cat in the video, and what colour is it?",
        "Describe it.", "Why?", "Count the people who walk past the camera in the first half of the clip."};

    private GoldenData golden;
    private Engine engine;
    private LoadedVideoLlava tinyA;
    private List<VisualInput> video;
    private List<PreparedPrompt> prompts;
    private GenerationOptions options;

    @BeforeAll
    void load() {
        golden = GoldenData.tinyA();
        engine = new CpuEngine(2);
        tinyA = LoadedVideoLlava.load(golden.modelDir(), engine);
        video = List.of(VisualInput.video(golden.floats("videos.clip.pixel_values_videos"), 8));
        prompts = new ArrayList<>();
        for (String question : QUESTIONS) {
            prompts.add(tinyA.prepare(ChatTemplate.firstTurn(null, 0, 1, question), video));
        }
        options = tinyA.options(8, SamplingOptions.GREEDY);
    }

    @AfterAll
    void close() {
        tinyA.close();
        engine.close();
        golden.close();
    }

    @Test
    void pagedCacheGivesTheContiguousCachesLogitsBitForBit() {
        LlamaDecoder decoder = tinyA.model().decoder();
        PreparedPrompt prompt = prompts.get(1);
        int context = prompt.length() + 4;
        try (KvCache contiguous = decoder.newKvCache(context); KvCache paged = decoder.newPagedKvCache(context)) {
            float[] expected = engine.download(new Conversation(tinyA.model(), contiguous).prefill(prompt, 4).logits());
            float[] actual = engine.download(new Conversation(tinyA.model(), paged).prefill(prompt, 4).logits());
            assertArrayEquals(expected, actual, "prefill logits");
            for (int token : new int[] {5, 17, 3}) {
                assertArrayEquals(engine.download(decoder.decodeStep(token, contiguous)),
                        engine.download(decoder.decodeStep(token, paged)), "decode step logits after token " + token);
            }
        }
    }

    @Test
    void answersOnTheSharedPrefixEqualWholePromptAnswers() {
        try (MediaPrefix prefix = tinyA.prefix(prompts.getFirst())) {
            for (int i = 0; i < prompts.size(); i++) {
                Answer alone = tinyA.answer(prompts.get(i), options, TokenListener.NONE);
                Answer shared = tinyA.answer(prefix, prompts.get(i), options, TokenListener.NONE);
                assertArrayEquals(alone.tokenIds(), shared.tokenIds(), "question " + i);
                assertEquals(alone.promptTokens(), shared.promptTokens(), "prompt tokens of question " + i);
            }
        }
    }

    @Test
    void batchedAnswersOnTheSharedPrefixEqualWholePromptAnswers() {
        BatchGenerator batch = new BatchGenerator(tinyA);
        List<BatchGenerator.Sequence> sequences = new ArrayList<>();
        try (MediaPrefix prefix = tinyA.prefix(prompts.getFirst())) {
            for (PreparedPrompt prompt : prompts) {
                sequences.add(batch.start(prefix, prompt, options));
            }
            batch.finish(sequences);
        }
        for (int i = 0; i < prompts.size(); i++) {
            assertArrayEquals(tinyA.answer(prompts.get(i), options, TokenListener.NONE).tokenIds(),
                    sequences.get(i).answer().tokenIds(), "question " + i);
        }
    }

    @Test
    void questionsHoldThePrefixBlocksOnceAndFreeTheirOwn() {
        LlamaDecoder decoder = tinyA.model().decoder();
        int before = decoder.kvBlocks().held();
        try (MediaPrefix prefix = tinyA.prefix(prompts.getFirst())) {
            int blockSize = decoder.kvBlocks().blockSize();
            int prefixBlocks = Math.ceilDiv(prefix.length(), blockSize);
            assertEquals(before + prefixBlocks, decoder.kvBlocks().held(), "the prefix alone");
            List<Conversation> questions = new ArrayList<>();
            int tails = 0;
            for (PreparedPrompt prompt : prompts) {
                Conversation conversation = new Conversation(prefix, prompt.length() + 8);
                conversation.prefill(prompt, 8);
                questions.add(conversation);
                // its blocks after the prefix's full ones: the copied partial block and the question's own
                tails += Math.ceilDiv(prompt.length(), blockSize) - prefix.length() / blockSize;
            }
            assertEquals(before + prefixBlocks + tails, decoder.kvBlocks().held(), "one prefix + " + prompts.size() + " tails");
            questions.forEach(Conversation::close);
            assertEquals(before + prefixBlocks, decoder.kvBlocks().held(), "the questions' own blocks freed");
        }
        assertEquals(before, decoder.kvBlocks().held(), "the prefix's blocks freed with it");
    }

    @Test
    void resetKeepsTheMediaPrefixForTheNextQuestionOnTheSameMedia() {
        PreparedPrompt first = prompts.get(0);
        PreparedPrompt second = prompts.get(3);
        try (MediaPrefix prefix = tinyA.prefix(first);
                Conversation conversation = new Conversation(prefix, tinyA.maxContextLength())) {
            conversation.ask(first, options, TokenListener.NONE);
            conversation.reset();
            assertEquals(prefix.length(), conversation.kvCache().length(), "the prefix stays in the cache");
            Conversation.Turn again = conversation.ask(second, options, TokenListener.NONE);
            assertArrayEquals(tinyA.answer(second, options, TokenListener.NONE).tokenIds(), again.result().tokenIds());
            assertEquals(0, again.result().timings().visionMs(), "no vision pass after the reset");
        }
    }

    @Test
    void aSessionResetKeepsItsFirstPromptsMediaRowsForTheNextQuestion() {
        try (Session chat = tinyA.newSession(0)) {
            chat.ask(chat.prepare(ChatTemplate.firstTurn(null, 0, 1, QUESTIONS[1]), video), options, TokenListener.NONE);
            chat.ask(chat.prepare(ChatTemplate.nextTurn(true, 0, 0, QUESTIONS[2]), List.of()), options, TokenListener.NONE);
            chat.reset();
            int head = prompts.get(4).assembled().visualEnd();
            assertEquals(head, chat.conversation().kvCache().length(), "the video's rows stay");
            // as chat's /video does after /reset: the same file loaded again
            List<VisualInput> reloaded = List.of(VisualInput.video(golden.floats("videos.clip.pixel_values_videos").clone(), 8));
            Answer again = chat.ask(chat.prepare(ChatTemplate.firstTurn(null, 0, 1, QUESTIONS[4]), reloaded), options, TokenListener.NONE);
            assertArrayEquals(tinyA.answer(prompts.get(4), options, TokenListener.NONE).tokenIds(), again.tokenIds());
            assertEquals(0, again.timings().visionMs(), "no vision pass after the reset");
            chat.reset();
            float[] otherPixels = golden.floats("videos.clip.pixel_values_videos").clone();
            otherPixels[5] += 0.5f;
            List<VisualInput> otherVideo = List.of(VisualInput.video(otherPixels, 8));
            PreparedPrompt other = chat.prepare(ChatTemplate.firstTurn(null, 0, 1, QUESTIONS[0]), otherVideo);
            assertArrayEquals(tinyA.answer(other, options, TokenListener.NONE).tokenIds(),
                    chat.ask(other, options, TokenListener.NONE).tokenIds(), "other media: read whole");
        }
    }

    @Test
    void aPromptOnOtherMediaDropsThePrefixAndIsReadWhole() {
        float[] otherPixels = golden.floats("videos.clip.pixel_values_videos").clone();
        otherPixels[5] += 0.5f;
        List<VisualInput> otherVideo = List.of(VisualInput.video(otherPixels, 8));
        List<VisualInput> reloaded = List.of(VisualInput.video(golden.floats("videos.clip.pixel_values_videos"), 8));
        PreparedPrompt other = tinyA.prepare(ChatTemplate.firstTurn(null, 0, 1, QUESTIONS[0]), otherVideo);
        try (MediaPrefix prefix = tinyA.prefix(prompts.getFirst())) {
            assertFalse(prefix.covers(other), "other pixels are other media");
            assertTrue(prefix.covers(tinyA.prepare(ChatTemplate.firstTurn(null, 0, 1, QUESTIONS[3]), reloaded)),
                    "the same video loaded again is the same media");
            assertTrue(prefix.covers(prompts.get(2)));
            try (Conversation conversation = new Conversation(prefix, tinyA.maxContextLength())) {
                Conversation.Turn turn = conversation.ask(other, options, TokenListener.NONE);
                assertArrayEquals(tinyA.answer(other, options, TokenListener.NONE).tokenIds(), turn.result().tokenIds());
            }
        }
    }

    @Test
    void aForkedCacheLeavesItsSourceUnchanged() {
        LlamaDecoder decoder = tinyA.model().decoder();
        PreparedPrompt prompt = prompts.get(2);
        try (KvCache source = decoder.newPagedKvCache(prompt.length() + 2)) {
            new Conversation(tinyA.model(), source).prefill(prompt, 2);
            try (KvCache fork = source.fork(prompt.length() + 2)) {
                float[] forkLogits = engine.download(decoder.decodeStep(7, fork));
                Tensor sourceLogits = decoder.decodeStep(7, source);
                assertArrayEquals(forkLogits, engine.download(sourceLogits), "same token on both: same logits");
                decoder.decodeStep(9, fork);
                assertEquals(prompt.length() + 1, source.length());
            }
        }
    }
}
