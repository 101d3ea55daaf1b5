package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.model.GoldenData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --visual-tokens} on the demo model (testdata/shapes: 64 patches per image or frame, a video
 * frame 65 tokens with its [CLS]): the default and 100% are the reference, a reduction shortens the
 * prompt by exactly the dropped patches and says so in {@code --json}, a bad value is a usage error.
 */
class VisualTokensCommandTest {
    private static final Path SHAPES = GoldenData.testdata().resolve("shapes");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static CapturedRun vllava(String command, String... args) {
        return CapturedRun.vllava(command, args);
    }

    private static JsonNode askJson(String media, String file, String... extra) throws Exception {
        String[] args = {"--model", SHAPES.resolve("model").toString(), media, SHAPES.resolve("bench/media/" + file).toString(),
                "--threads", "2", "--backend", "cpu", "--max-new-tokens", "8", "--json"};
        String[] all = new String[args.length + extra.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(extra, 0, all, args.length, extra.length);
        all[all.length - 1] = "What color is the shape?";
        CapturedRun run = vllava("ask", all);
        assertEquals(0, run.exitCode(), run.err());
        return JSON.readTree(run.out());
    }

    @Test
    void hundredPercentAnswersExactlyLikeTheDefault() throws Exception {
        JsonNode reference = askJson("--video", "v000.mp4");
        JsonNode all = askJson("--video", "v000.mp4", "--visual-tokens", "100%");
        assertEquals(reference.get("token_ids"), all.get("token_ids"));
        assertEquals(535, all.get("prompt_tokens").intValue(), "8 x 65 video tokens, as the reference");
        assertEquals(JSON.readTree("{\"setting\":\"all\",\"kept\":520,\"reference\":520}"), reference.get("visual_tokens"));
        assertEquals(JSON.readTree("{\"setting\":\"100%\",\"kept\":520,\"reference\":520}"), all.get("visual_tokens"));
    }

    @Test
    void aQuarterOfTheVideoPatchesKeepsEachFramesClassTokenAndTheColour() throws Exception {
        JsonNode json = askJson("--video", "v000.mp4", "--visual-tokens", "25%");
        assertEquals(JSON.readTree("{\"setting\":\"25%\",\"kept\":136,\"reference\":520}"), json.get("visual_tokens"),
                "8 frames x ([CLS] + 16 of 64 patches)");
        assertEquals(535 - 8 * 48, json.get("prompt_tokens").intValue(), "the prompt loses exactly the dropped patches");
        assertEquals("green", json.get("answer").asText(), "the reference's answer for v000 survives 25%");
    }

    @Test
    void severalQuestionsOnOneReducedPrefixEachReportTheirVisualTokens() throws Exception {
        CapturedRun run = vllava("ask", "--model", SHAPES.resolve("model").toString(), "--video",
                SHAPES.resolve("bench/media/v000.mp4").toString(), "--threads", "2", "--backend", "cpu", "--max-new-tokens", "8",
                "--visual-tokens", "25%", "--json", "What color is the shape?", "What color is the shape?");
        assertEquals(0, run.exitCode(), run.err());
        String[] lines = run.out().strip().split("\n");
        assertEquals(2, lines.length, run.out());
        JsonNode single = askJson("--video", "v000.mp4", "--visual-tokens", "25%");
        for (String line : lines) {
            JsonNode json = JSON.readTree(line);
            assertEquals(JSON.readTree("{\"setting\":\"25%\",\"kept\":136,\"reference\":520}"), json.get("visual_tokens"));
            assertEquals(single.get("token_ids"), json.get("token_ids"), "the shared reduced prefix answers as a single question does");
        }
    }

    @Test
    void aCountAppliesToImagesWithoutTheirClassToken() throws Exception {
        JsonNode json = askJson("--image", "i042.png", "--visual-tokens", "10");
        assertEquals(JSON.readTree("{\"setting\":\"10\",\"kept\":10,\"reference\":64}"), json.get("visual_tokens"));
        assertEquals(79 - 54, json.get("prompt_tokens").intValue());
    }

    @Test
    void statsNameTheVisualTokensKept() {
        CapturedRun run = vllava("ask", "--model", SHAPES.resolve("model").toString(), "--image",
                SHAPES.resolve("bench/media/i042.png").toString(), "--threads", "2", "--backend", "cpu", "--visual-tokens", "50%",
                "--stats", "What color is the shape?");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("prefill ") && run.err().contains("(47 tokens, 32 of 64 visual kept)"), run.err());
    }

    @Test
    void aValueThatIsNeitherACountNorAPercentageExitsWithTwo() {
        CapturedRun run = vllava("ask", "--model", SHAPES.resolve("model").toString(), "--visual-tokens", "0%", "hello");
        assertEquals(2, run.exitCode());
        assertEquals("", run.out());
        assertTrue(run.err().contains("vllava: error: --visual-tokens must be a count N >= 1 or a percentage P% with 0 < P <= 100, got '0%'"),
                run.err());
    }

    @Test
    void benchEncodesOnlyTheKeptTokens() throws Exception {
        CapturedRun run = vllava("bench", "--synthetic", "tiny", "--threads", "2", "--prompt-tokens", "12", "--decode-tokens", "2",
                "--bandwidth-buffer-mb", "8", "--visual-tokens", "25%", "--json");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(1 + 64, JSON.readTree(run.out()).at("/vision/tokens").asInt(), "one 224-px frame: [CLS] + 64 of 256 patches");
    }

    @Test
    void evalRunsTheBenchWithTheReductionAndSaysSo(@TempDir Path dir) throws Exception {
        Path questions = dir.resolve("q.jsonl");
        Files.writeString(questions, """
                {"id": "v000", "video": "media/v000.mp4", "question": "What color is the shape?", "answer": "green", "type": "color"}
                {"id": "i042", "image": "media/i042.png", "question": "What color is the shape?", "answer": "blue", "type": "color"}
                """);
        CapturedRun run = vllava("eval", "--model", SHAPES.resolve("model").toString(), "--questions", questions.toString(),
                "--media-root", SHAPES.resolve("bench").toString(), "--out", dir.resolve("p.jsonl").toString(), "--backend", "cpu",
                "--threads", "2", "--visual-tokens", "25%");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(1.0, JSON.readTree(run.out()).at("/overall/accuracy").asDouble(), "colour answers survive 25%: " + run.out());
        assertTrue(run.err().contains("; visual tokens 25%"), run.err());
    }
}
