package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.engine.Engine;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.generate.FinishReason;
import dev.vllava.generate.SamplingOptions;
import dev.vllava.generate.TokenListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole path from files to answer: prompt text through the real tokenizer, media files through
 * the decoder and preprocessor, the model on the CPU engine, greedy decoding. Checked against the
 * reference's generated ids for tiny-a (random weights) and for the trained shapes model (float16
 * weights, image size 112).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoadedVideoLlavaTest {
    private GoldenData golden;
    private Engine engine;
    private LoadedVideoLlava tinyA;
    private LoadedVideoLlava shapes;
    private Path bench;

    @BeforeAll
    void load() {
        golden = GoldenData.tinyA();
        engine = new CpuEngine(2);
        tinyA = LoadedVideoLlava.load(golden.modelDir(), engine);
        shapes = LoadedVideoLlava.load(GoldenData.testdata().resolve("shapes/model"), engine);
        bench = GoldenData.testdata().resolve("shapes/bench");
    }

    @AfterAll
    void close() {
        tinyA.close();
        shapes.close();
        engine.close();
        golden.close();
    }

    @Test
    void tokenizedPromptMatchesReferenceUnexpandedIds() {
        for (String id : golden.promptIds()) {
            JsonNode prompt = golden.prompt(id);
            assertArrayEquals(GoldenData.ints(prompt.get("unexpanded_input_ids")),
                    tinyA.tokenizer().encode(prompt.get("text").asText(), true), "tokenized prompt " + id);
        }
    }

    /** From mp4/png files and prompt text: the same 16 greedy ids as the reference (tiny-a, 3 prompts). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"video_q", "image_q", "image_video_q"})
    void greedyIdsFromFilesMatchReference(String promptId) {
        JsonNode prompt = golden.prompt(promptId);
        List<VisualInput> media = new ArrayList<>();
        if (prompt.hasNonNull("image")) {
            media.add(tinyA.image(golden.caseDir().resolve(golden.json().at("/images/" + prompt.get("image").asText() + "/file").asText())));
        }
        if (prompt.hasNonNull("video")) {
            media.add(tinyA.video(golden.caseDir().resolve(golden.json().at("/videos/" + prompt.get("video").asText() + "/file").asText()), 8));
        }
        List<Integer> streamed = new ArrayList<>();
        Answer answer = tinyA.answer(prompt.get("text").asText(), media, tinyA.options(16, SamplingOptions.GREEDY), streamed::add);
        assertArrayEquals(GoldenData.ints(prompt.get("generated_ids")), answer.tokenIds(), "greedy ids of " + promptId);
        assertEquals(prompt.get("num_input_ids").intValue(), answer.promptTokens(), "expanded prompt length");
        assertEquals(prompt.get("generated_text").asText(), answer.text(), "decoded answer, special tokens skipped");
        assertEquals(FinishReason.LENGTH, answer.finishReason(), "16 tokens without EOS");
        assertEquals(16, streamed.size(), "each token streamed");
    }

    /** The trained model answers the bench items exactly as the reference did (ids incl. the closing EOS). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v000", "v003", "i042", "i047"})
    void shapesModelReproducesReferencePredictions(String itemId) throws IOException {
        JsonNode question = find(bench.resolve("questions.jsonl"), itemId);
        JsonNode reference = find(bench.resolve("reference_predictions.jsonl"), itemId);
        boolean image = question.hasNonNull("image");
        String text = "USER: " + (image ? "<image>" : "<video>") + "\n" + question.get("question").asText() + " ASSISTANT:";
        VisualInput media = image ? shapes.image(bench.resolve(question.get("image").asText()))
                : shapes.video(bench.resolve(question.get("video").asText()), 8);
        Answer answer = shapes.answer(text, List.of(media), shapes.options(8, SamplingOptions.GREEDY), TokenListener.NONE);
        assertArrayEquals(GoldenData.ints(reference.get("generated_ids")), answer.tokenIds(),
                "generated ids of " + itemId + " (reference prediction '" + reference.get("prediction").asText() + "')");
        assertEquals(reference.get("num_input_ids").intValue(), answer.promptTokens(), "expanded prompt length");
        assertEquals(FinishReason.STOP, answer.finishReason(), "the trained model closes its one-word answer with </s>");
        assertEquals(reference.get("prediction").asText(), answer.text().strip());
    }

    @Test
    void aVideoOfFourFramesExpandsToFourTimesTokensPerFrame() {
        VisualInput video = shapes.video(bench.resolve("media/v000.mp4"), 4);
        assertEquals(4, video.frames());
        Answer answer = shapes.answer("USER: <video>\nWhat color is the shape? ASSISTANT:", List.of(video),
                shapes.options(2, SamplingOptions.GREEDY), TokenListener.NONE);
        assertEquals(535 - 4 * 65, answer.promptTokens(), "8 frames give 535 tokens in the reference; each frame is 65");
    }

    @Test
    void promptPlusMaxNewTokensBeyondTheContextIsAContextOverflow() {
        JsonNode prompt = golden.prompt("video_q");
        VisualInput video = VisualInput.video(golden.floats("videos.clip.pixel_values_videos"), 8);
        ContextOverflow error = assertThrows(ContextOverflow.class, () -> tinyA.answer(prompt.get("text").asText(),
                List.of(video), tinyA.options(3000, SamplingOptions.GREEDY), TokenListener.NONE));
        assertEquals(Failure.CONTEXT_OVERFLOW, error.failure());
        assertEquals("2086 prompt tokens + 3000 max new tokens = 5086 exceed the context of 4096 tokens; "
                + "at most 2010 new tokens fit", error.getMessage(), "values, not options");
        assertEquals(2010, error.newTokensThatFit());
        assertEquals("2086 prompt tokens + 3000 max new tokens = 5086 exceed the context of 4096 tokens; "
                + "lower --max-new-tokens to at most 2010", error.advice("--max-new-tokens"));
    }

    @Test
    void promptLongerThanTheContextIsAContextOverflow() {
        VisualInput video = VisualInput.video(golden.floats("videos.clip.pixel_values_videos"), 8);
        VllavaException error = assertThrows(VllavaException.class, () -> tinyA.answer("USER: <video><video> Hi ASSISTANT:",
                List.of(video, video), tinyA.options(1, SamplingOptions.GREEDY), TokenListener.NONE));
        assertEquals(Failure.CONTEXT_OVERFLOW, error.failure());
        assertTrue(error.getMessage().matches("the prompt needs 41\\d\\d tokens \\(4112 of them visual\\) but the context holds 4096"),
                error.getMessage());
    }

    @Test
    void missingMediaForAPlaceholderIsAUsageError() {
        VllavaException error = assertThrows(VllavaException.class, () -> tinyA.answer("USER: <video>\nHi ASSISTANT:",
                List.of(), tinyA.options(4, SamplingOptions.GREEDY), TokenListener.NONE));
        assertEquals(Failure.USAGE, error.failure());
        assertTrue(error.getMessage().contains("1 <video>"), error.getMessage());
    }

    @Test
    void sessionKeepsTheCacheBetweenTurns() {
        JsonNode prompt = golden.prompt("image_q");
        VisualInput image = VisualInput.image(golden.floats("images.pic.pixel_values_images"));
        try (Session session = tinyA.newSession(0)) {
            Answer first = session.ask(prompt.get("text").asText(), List.of(image), tinyA.options(4, SamplingOptions.GREEDY), TokenListener.NONE);
            int afterFirst = session.conversation().kvCache().length();
            assertEquals(first.promptTokens() + 3, afterFirst, "prompt + all answer tokens but the last are cached");
            Answer second = session.ask(" USER: And now? ASSISTANT:", List.of(), tinyA.options(4, SamplingOptions.GREEDY), TokenListener.NONE);
            assertEquals(afterFirst + second.promptTokens() + 3, session.conversation().kvCache().length(),
                    "the second turn is prefilled after the first (its prompt includes the first answer's last token)");
        }
    }

    private static JsonNode find(Path jsonl, String id) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        for (String line : Files.readAllLines(jsonl)) {
            JsonNode node = mapper.readTree(line);
            if (node.get("id").asText().equals(id)) {
                return node;
            }
        }
        throw new IllegalArgumentException(id + " not in " + jsonl);
    }
}
