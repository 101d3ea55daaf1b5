package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * The built CLI against the Hugging Face reference on testdata/tiny-a: {@code vllava ask --raw-prompt
 * <golden prompt> --max-new-tokens 16 --json} returns the reference's greedy ids for the video, image
 * and image+video prompts, and plain mode prints exactly the JSON answer's text.
 */
class AskGoldenIT {
    private static final String MODEL = "testdata/tiny-a/model";
    private static final String VIDEO = "testdata/tiny-a/inputs/video.mp4";
    private static final String IMAGE = "testdata/tiny-a/inputs/image.png";

    private static JsonNode goldenPrompt(String id) throws IOException {
        JsonNode golden = new ObjectMapper().readTree(CliProcess.path("testdata/tiny-a/golden.json").toFile());
        return StreamSupport.stream(golden.get("prompts").spliterator(), false)
                .filter(p -> p.get("id").asText().equals(id)).findFirst().orElseThrow();
    }

    private static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::intValue).toArray();
    }

    private static CliProcess.Result askJson(JsonNode prompt, String... media) {
        List<String> args = new ArrayList<>(List.of("ask", "--model", MODEL, "--backend", "cpu", "--max-new-tokens", "16", "--json"));
        args.addAll(List.of(media));
        args.addAll(List.of("--raw-prompt", prompt.get("text").asText()));
        return CliProcess.run(args.toArray(String[]::new));
    }

    private static void assertGolden(JsonNode prompt, CliProcess.Result run) {
        assertEquals(0, run.exitCode(), run.describe());
        assertEquals("", run.errLines(), "stderr stays quiet without -v");
        JsonNode json = run.json();
        assertArrayEquals(ints(prompt.get("generated_ids")), ints(json.get("token_ids")), "greedy ids of " + prompt.get("id"));
        assertEquals(prompt.get("num_input_ids").intValue(), json.get("prompt_tokens").intValue(), "expanded prompt length");
        assertEquals(16, json.get("generated_tokens").intValue());
        assertEquals("length", json.get("finish_reason").asText(), "the reference did not stop on EOS within 16 tokens");
        assertEquals(prompt.get("generated_text").asText(), json.get("answer").asText());
        assertEquals("cpu", json.get("backend").asText());
        for (String phase : List.of("load", "media", "vision", "prefill", "decode")) {
            assertTrue(json.get("timings_ms").get(phase).isNumber(), "timings_ms." + phase);
        }
        assertTrue(json.get("tokens_per_second").doubleValue() > 0, "tokens_per_second");
    }

    @Test
    void videoPromptGivesTheReferenceGreedyIds() throws IOException {
        JsonNode prompt = goldenPrompt("video_q");
        assertGolden(prompt, askJson(prompt, "--video", VIDEO));
    }

    @Test
    void imagePromptGivesTheReferenceGreedyIdsAndPlainModePrintsTheSameText() throws IOException {
        JsonNode prompt = goldenPrompt("image_q");
        CliProcess.Result json = askJson(prompt, "--image", IMAGE);
        assertGolden(prompt, json);

        CliProcess.Result plain = CliProcess.run("ask", "--model", MODEL, "--backend", "cpu", "--max-new-tokens", "16", "--image", IMAGE,
                "--raw-prompt", prompt.get("text").asText());
        assertEquals(0, plain.exitCode(), plain.describe());
        assertEquals(json.json().get("answer").asText() + "\n", plain.out(), "streamed text + newline equals the JSON answer");
        assertEquals("", plain.errLines());
    }

    @Test
    void imageAndVideoPromptGivesTheReferenceGreedyIds() throws IOException {
        JsonNode prompt = goldenPrompt("image_video_q");
        // --video before --image on the command line: media fill placeholders by kind, in order
        assertGolden(prompt, askJson(prompt, "--video", VIDEO, "--image", IMAGE));
    }
}
