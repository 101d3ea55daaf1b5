package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.engine.Engine;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.generate.FinishReason;
import dev.vllava.generate.GenerationOptions;
import dev.vllava.generate.SamplingOptions;
import dev.vllava.generate.TokenListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Batched decoding on the CPU engine gives, question by question, exactly the answers of
 * {@link LoadedVideoLlava#answer} (tiny-a, random weights, so every logit matters): prompts of different lengths
 * and media, sequences finishing at different steps, batches larger than one decode step.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchGeneratorTest {
    private GoldenData golden;
    private Engine engine;
    private LoadedVideoLlava tinyA;
    private List<String> prompts;
    private List<List<VisualInput>> media;
    /** LoadedVideoLlava.answer under {@link #lengthLimited}, per question, computed once. */
    private final Map<Integer, Answer> alone = new HashMap<>();

    @BeforeAll
    void load() {
        golden = GoldenData.tinyA();
        engine = new CpuEngine(2);
        tinyA = LoadedVideoLlava.load(golden.modelDir(), engine);
        VisualInput image = VisualInput.image(golden.floats("images.pic.pixel_values_images"));
        VisualInput video = VisualInput.video(golden.floats("videos.clip.pixel_values_videos"), 8);
        prompts = new ArrayList<>();
        media = new ArrayList<>();
        String[] texts = {"USER: Hi ASSISTANT:", "USER: What is in the picture, and why is it there at all? ASSISTANT:",
            golden.prompt("image_q").get("text").asText(), golden.prompt("video_q").get("text").asText(),
            golden.prompt("image_video_q").get("text").asText()};
        List<List<VisualInput>> mediaOf = List.of(List.of(), List.of(), List.of(image), List.of(video), List.of(image, video));
        for (int i = 0; i < 12; i++) {
            prompts.add(texts[i % texts.length]);
            media.add(mediaOf.get(i % texts.length));
        }
    }

    @AfterAll
    void close() {
        tinyA.close();
        engine.close();
        golden.close();
    }

    /** Each question's own limit (1 to 12 tokens), so sequences leave the batch at different steps. */
    private GenerationOptions lengthLimited(int i) {
        return tinyA.options(1 + i, SamplingOptions.GREEDY);
    }

    @ParameterizedTest(name = "{0} rows per step")
    @ValueSource(ints = {3, 8})
    void batchedAnswersEqualOneByOneAnswers(int rowsPerStep) {
        BatchGenerator batch = new BatchGenerator(tinyA, rowsPerStep);
        List<BatchGenerator.Sequence> sequences = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            sequences.add(batch.start(prompts.get(i), media.get(i), lengthLimited(i)));
        }
        batch.finish(sequences);
        for (int i = 0; i < prompts.size(); i++) {
            int question = i;
            Answer alone = this.alone.computeIfAbsent(i, q -> tinyA.answer(prompts.get(question), media.get(question),
                    lengthLimited(question), TokenListener.NONE));
            Answer batched = sequences.get(i).answer();
            assertArrayEquals(alone.tokenIds(), batched.tokenIds(), "greedy ids of question " + i);
            assertEquals(alone.text(), batched.text(), "text of question " + i);
            assertEquals(alone.promptTokens(), batched.promptTokens(), "prompt length of question " + i);
            assertEquals(FinishReason.LENGTH, batched.finishReason());
        }
    }

    @Test
    void sequencesStopAtTheirOwnEndOfSequenceToken() {
        // tiny-a never emits </s> in a few steps, so each question gets as "EOS" a token it produces itself.
        List<GenerationOptions> options = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            int[] free = tinyA.answer(prompts.get(i), media.get(i), tinyA.options(6, SamplingOptions.GREEDY), TokenListener.NONE).tokenIds();
            options.add(new GenerationOptions(10, SamplingOptions.GREEDY, Set.of(free[i % free.length])));
        }
        List<Answer> batched = new ArrayList<>();
        List<BatchGenerator.Sequence> sequences = new ArrayList<>();
        BatchGenerator batch = new BatchGenerator(tinyA);
        for (int i = 0; i < prompts.size(); i++) {
            sequences.add(batch.start(prompts.get(i), media.get(i), options.get(i)));
        }
        batch.finish(sequences);
        sequences.forEach(s -> batched.add(s.answer()));
        for (int i = 0; i < prompts.size(); i++) {
            Answer alone = tinyA.answer(prompts.get(i), media.get(i), options.get(i), TokenListener.NONE);
            assertArrayEquals(alone.tokenIds(), batched.get(i).tokenIds(), "ids of question " + i);
            assertEquals(FinishReason.STOP, batched.get(i).finishReason(), "question " + i + " stops on its EOS");
        }
    }

    @Test
    void sampledBatchAnswersEqualSampledOneByOneAnswers() {
        GenerationOptions sampled = tinyA.options(6, new SamplingOptions(0.9, 40, 0.95, 1234));
        List<Answer> answers = new BatchGenerator(tinyA).answer(prompts.subList(0, 4), media.subList(0, 4), sampled);
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(tinyA.answer(prompts.get(i), media.get(i), sampled, TokenListener.NONE).tokenIds(),
                    answers.get(i).tokenIds(), "question " + i + ": one sampler per sequence, seeded as a single answer's");
        }
    }

    @Test
    void answerListIsInOrder() {
        List<Answer> answers = new BatchGenerator(tinyA).answer(prompts.subList(0, 3), media.subList(0, 3),
                tinyA.options(3, SamplingOptions.GREEDY));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(tinyA.answer(prompts.get(i), media.get(i), tinyA.options(3, SamplingOptions.GREEDY),
                    TokenListener.NONE).tokenIds(), answers.get(i).tokenIds(), "question " + i);
        }
    }

    @Test
    void contextOverflowIsReportedAsLoadedVideoLlavaAnswerReportsIt() {
        String prompt = golden.prompt("video_q").get("text").asText();
        List<VisualInput> video = media.get(3);
        GenerationOptions tooMany = tinyA.options(3000, SamplingOptions.GREEDY);
        VllavaException batched = assertThrows(VllavaException.class, () -> new BatchGenerator(tinyA).start(prompt, video, tooMany));
        VllavaException alone = assertThrows(VllavaException.class, () -> tinyA.answer(prompt, video, tooMany, TokenListener.NONE));
        assertEquals(Failure.CONTEXT_OVERFLOW, batched.failure());
        assertEquals(alone.getMessage(), batched.getMessage());

        List<VisualInput> twoVideos = List.of(video.getFirst(), video.getFirst());
        String twoVideoPrompt = "USER: <video><video> Hi ASSISTANT:";
        GenerationOptions one = tinyA.options(1, SamplingOptions.GREEDY);
        VllavaException longBatched = assertThrows(VllavaException.class, () -> new BatchGenerator(tinyA).start(twoVideoPrompt, twoVideos, one));
        VllavaException longAlone = assertThrows(VllavaException.class, () -> tinyA.answer(twoVideoPrompt, twoVideos, one, TokenListener.NONE));
        assertEquals(longAlone.getMessage(), longBatched.getMessage());
    }
}
