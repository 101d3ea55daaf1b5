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

/** {@code vllava chat}: after {@code /reset}, a question on the same video reads only its own tokens and answers as {@code ask} does. */
class ChatResetPrefixTest {
    private static final Path SHAPES = GoldenData.testdata().resolve("shapes");

    @Test
    void questionAfterResetOnTheSameVideoSkipsTheVideoAndAnswersAsAsk() throws Exception {
        String model = SHAPES.resolve("model").toString();
        String video = SHAPES.resolve("bench/media/v000.mp4").toString();
        CapturedRun chat;
        InputStream oldIn = System.in;
        try {
            System.setIn(new ByteArrayInputStream(("What color is the shape?\n/reset\n/video " + video + "\nWhat shape is it?\n")
                    .getBytes(StandardCharsets.UTF_8)));
            chat = CapturedRun.vllava(new String[] {"chat", "--model", model, "--backend", "cpu", "--threads", "2", "--video", video,
                    "--max-new-tokens", "8", "--json"});
        } finally {
            System.setIn(oldIn);
        }
        assertEquals(0, chat.exitCode(), chat.err());
        List<String> lines = chat.out().lines().toList();
        assertEquals(2, lines.size(), chat.out());
        ObjectMapper mapper = new ObjectMapper();
        JsonNode afterReset = mapper.readTree(lines.get(1));
        assertEquals(0.0, afterReset.get("timings_ms").get("vision").doubleValue(), "the video's rows were kept");

        CapturedRun ask = CapturedRun.vllava(new String[] {"ask", "--model", model, "--backend", "cpu", "--threads", "2", "--video", video,
                "--max-new-tokens", "8", "--json", "What shape is it?"});
        assertEquals(0, ask.exitCode(), ask.err());
        JsonNode alone = mapper.readTree(ask.out());
        assertEquals(alone.get("token_ids"), afterReset.get("token_ids"));
        assertEquals(alone.get("prompt_tokens"), afterReset.get("prompt_tokens"));
    }
}
