package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.model.GoldenData;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code vllava chat} in process: what a turn after an answer cut off by the token limit reads. */
class ChatCommandTest {
    private static final Path SHAPES = GoldenData.testdata().resolve("shapes");

    private static CapturedRun run(String stdin, String... args) {
        InputStream oldIn = System.in;
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            return CapturedRun.vllava(args);
        } finally {
            System.setIn(oldIn);
        }
    }

    /**
     * With --max-new-tokens 1 turn 1 ends after "green" without </s>; the template still closes the
     * answer, so turn 2 reads "</s>USER: ..." and equals a one-shot prompt holding "green</s>".
     */
    @Test
    void turnAfterACutOffAnswerStillClosesItWithEos() throws Exception {
        String model = SHAPES.resolve("model").toString();
        String video = SHAPES.resolve("bench/media/v000.mp4").toString();
        CapturedRun chat = run("What color is the shape?\nIs the shape blue?\n",
                "chat", "--model", model, "--backend", "cpu", "--video", video, "--max-new-tokens", "1", "--json");
        assertEquals(0, chat.exitCode(), chat.err());
        List<String> lines = chat.out().lines().toList();
        assertEquals(2, lines.size(), chat.out());
        ObjectMapper mapper = new ObjectMapper();
        JsonNode first = mapper.readTree(lines.get(0));
        JsonNode second = mapper.readTree(lines.get(1));
        assertEquals("[452]", first.get("token_ids").toString());
        assertEquals("length", first.get("finish_reason").asText());

        CapturedRun oneShot = run("", "ask", "--model", model, "--backend", "cpu", "--video", video, "--max-new-tokens", "1", "--json",
                "--raw-prompt", "USER: <video>\nWhat color is the shape? ASSISTANT: green</s>USER: Is the shape blue? ASSISTANT:");
        assertEquals(0, oneShot.exitCode(), oneShot.err());
        JsonNode whole = mapper.readTree(oneShot.out());
        assertEquals(whole.get("token_ids").toString(), second.get("token_ids").toString());
        assertEquals(whole.get("prompt_tokens").intValue(),
                first.get("prompt_tokens").intValue() + second.get("prompt_tokens").intValue(),
                "turn 2 feeds the pending 'green' id, </s> and its own text: nothing twice, nothing missing");
    }
}
