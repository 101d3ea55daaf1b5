package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.model.GoldenData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vllava ask} in process: stdout carries the answer only, errors are one line and an exit code. */
class AskCommandTest {
    private static final Path SHAPES = GoldenData.testdata().resolve("shapes");

    private static CapturedRun ask(String... args) {
        return CapturedRun.vllava("ask", args);
    }

    @Test
    void jsonAnswerCarriesIdsCountsAndTimings() throws Exception {
        CapturedRun run = ask("--model", SHAPES.resolve("model").toString(), "--video", SHAPES.resolve("bench/media/v000.mp4").toString(),
                "--max-new-tokens", "8", "--threads", "2", "--json", "What color is the shape?");
        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(1, lines.size(), "one JSON object on one line: " + run.out());
        JsonNode json = new ObjectMapper().readTree(lines.getFirst());
        assertEquals("green", json.get("answer").asText(), "the reference model's answer for v000");
        assertEquals("[452,2]", json.get("token_ids").toString());
        assertEquals(535, json.get("prompt_tokens").intValue(), "USER: <video>\\n... expands to 8 x 65 video tokens");
        assertEquals(2, json.get("generated_tokens").intValue());
        assertEquals("stop", json.get("finish_reason").asText());
        assertEquals("cpu", json.get("backend").asText());
        for (String phase : List.of("load", "media", "vision", "prefill", "decode")) {
            assertTrue(json.get("timings_ms").get(phase).isNumber(), "timings_ms." + phase);
        }
    }

    @Test
    void severalQuestionsGiveTheAnswersOfSeparateAsksOnePerLine() {
        String[] questions = {"What color is the shape?", "What shape is it?", "Is it moving?"};
        StringBuilder separate = new StringBuilder();
        for (String question : questions) {
            CapturedRun alone = ask("--model", SHAPES.resolve("model").toString(), "--video", SHAPES.resolve("bench/media/v003.mp4").toString(),
                    "--max-new-tokens", "6", "--threads", "2", question);
            assertEquals(0, alone.exitCode(), alone.err());
            separate.append(alone.out());
        }
        CapturedRun together = ask("--model", SHAPES.resolve("model").toString(), "--video", SHAPES.resolve("bench/media/v003.mp4").toString(),
                "--max-new-tokens", "6", "--threads", "2", questions[0], questions[1], questions[2]);
        assertEquals(0, together.exitCode(), together.err());
        assertEquals(separate.toString(), together.out());
        assertEquals(3, together.out().lines().count());
    }

    @Test
    void severalQuestionsWithJsonGiveOneObjectPerLine() throws Exception {
        CapturedRun run = ask("--model", SHAPES.resolve("model").toString(), "--video", SHAPES.resolve("bench/media/v000.mp4").toString(),
                "--max-new-tokens", "8", "--threads", "2", "--json", "What color is the shape?", "What color is the shape?");
        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(2, lines.size(), run.out());
        for (String line : lines) {
            JsonNode json = new ObjectMapper().readTree(line);
            assertEquals("green", json.get("answer").asText());
            assertEquals(535, json.get("prompt_tokens").intValue(), "the whole prompt, the shared prefix included");
        }
        assertTrue(new ObjectMapper().readTree(lines.get(1)).get("timings_ms").get("vision").doubleValue() == 0,
                "the second question runs no vision pass");
    }

    @Test
    void featureCacheKeepsTheAnswerAcrossRuns(@TempDir Path cache) throws Exception {
        String[] args = {"--model", SHAPES.resolve("model").toString(), "--video", SHAPES.resolve("bench/media/v001.mp4").toString(),
            "--max-new-tokens", "6", "--threads", "2", "--cache-dir", cache.toString(), "What color is the shape?"};
        CapturedRun first = ask(args);
        assertEquals(0, first.exitCode(), first.err());
        try (var entries = Files.list(cache)) {
            assertEquals(1, entries.filter(f -> f.toString().endsWith(".feat")).count(), "one video's features stored");
        }
        CapturedRun second = ask(args);
        assertEquals(0, second.exitCode(), second.err());
        assertEquals(first.out(), second.out());
        assertEquals("yellow\n", second.out(), "the reference answer for v001");
    }

    @Test
    void stdinQuestionAmongSeveralIsAUsageError() {
        CapturedRun run = ask("--model", SHAPES.resolve("model").toString(), "--video", SHAPES.resolve("bench/media/v000.mp4").toString(),
                "What?", "-");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("must be the only QUESTION"), run.err());
    }

    @Test
    void plainOutputIsTheAnswerAndANewline() {
        CapturedRun run = ask("--model", SHAPES.resolve("model").toString(), "--image", SHAPES.resolve("bench/media/i042.png").toString(),
                "--threads", "2", "--backend", "cpu", "--raw-prompt", "USER: <image>\nWhat color is the shape? ASSISTANT:");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("blue\n", run.out(), "streamed pieces concatenated (the leading ▁ dropped as decode does), EOS skipped");
    }

    @Test
    void promptPlusMaxNewTokensBeyondTheContextExitsWithSix() {
        CapturedRun run = ask("--model", SHAPES.resolve("model").toString(), "--image", SHAPES.resolve("bench/media/i042.png").toString(),
                "--max-new-tokens", "5000", "What color is the shape?");
        assertEquals(6, run.exitCode());
        assertEquals("", run.out());
        // in process, another test may have created the first slf4j logger at its default level (info): skip log lines
        assertTrue(run.err().lines().filter(line -> !line.startsWith("[")).findFirst().orElse("").startsWith("vllava: error: 79 prompt tokens + 5000 max new tokens = 5079 exceed the context of 4096 tokens"),
                run.err());
    }

    @Test
    void mediaWithoutPlaceholderExitsWithTwo() {
        CapturedRun run = ask("--model", SHAPES.resolve("model").toString(), "--image", SHAPES.resolve("bench/media/i042.png").toString(),
                "--raw-prompt", "USER: hello ASSISTANT:");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("0 <image> and 0 <video> placeholders but 1 image(s)"), run.err());
    }

    @Test
    void defaultTokenLimitIsLoweredToTheRoomLeftInTheContext(@TempDir Path temp) throws Exception {
        Path model = Files.createDirectory(temp.resolve("model"));
        try (var files = Files.list(SHAPES.resolve("model"))) {
            for (Path file : files.toList()) {
                Files.copy(file, model.resolve(file.getFileName()));
            }
        }
        Path config = model.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"max_position_embeddings\": 4096", "\"max_position_embeddings\": 537"));
        CapturedRun run = ask("--model", model.toString(), "--video", SHAPES.resolve("bench/media/v000.mp4").toString(), "--json",
                "What color is the shape?");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("[452,2]", new ObjectMapper().readTree(run.out()).get("token_ids").toString(),
                "535 prompt tokens leave room for 2: the default 512 is lowered, not an error");
    }

    @Test
    void questionFromStdinAndSystemText() {
        java.io.InputStream oldIn = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("What color is the shape?\n".getBytes(StandardCharsets.UTF_8)));
            CapturedRun run = ask("--model", SHAPES.resolve("model").toString(), "--image", SHAPES.resolve("bench/media/i042.png").toString(),
                    "--json", "-");
            assertEquals(0, run.exitCode(), run.err());
            assertTrue(run.out().contains("\"answer\":\"blue\""), run.out());
            assertTrue(run.out().contains("\"prompt_tokens\":79"), "stdin's trailing newline is dropped: " + run.out());
        } finally {
            System.setIn(oldIn);
        }
    }
}
