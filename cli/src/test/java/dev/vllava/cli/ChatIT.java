package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code vllava chat} driven through stdin by a script, as a process, on the shapes model. */
class ChatIT {
    private static final String MODEL = "testdata/shapes/model";
    private static final String V000 = "testdata/shapes/bench/media/v000.mp4";
    private static final String V001 = "testdata/shapes/bench/media/v001.mp4";
    private static final String I042 = "testdata/shapes/bench/media/i042.png";

    /**
     * Turn 2 continues turn 1's KV cache: its ids equal a one-shot {@code ask} on the whole two-turn
     * prompt in Video-LLaVA's template ("...ASSISTANT: green</s>USER: <image>\n... ASSISTANT:"), and
     * its prompt holds only the new tokens (the </s> of answer 1 and turn 2's text and image).
     */
    @Test
    void secondTurnContinuesTheFirstTurnsCache() throws IOException {
        CliProcess.Result chat = CliProcess.runWithInput("What color is the shape?\n/image " + I042 + "\nWhat color is the shape?\n",
                "chat", "--model", MODEL, "--video", V000, "--json");
        assertEquals(0, chat.exitCode(), chat.describe());
        assertEquals("", chat.errLines(), "no banner or prompt when stdin is not a terminal");
        List<String> lines = chat.out().lines().toList();
        assertEquals(2, lines.size(), "one JSON line per answer: " + chat.out());
        ObjectMapper mapper = new ObjectMapper();
        JsonNode first = mapper.readTree(lines.get(0));
        JsonNode second = mapper.readTree(lines.get(1));
        assertEquals("green", first.get("answer").asText());
        assertEquals("[452,2]", first.get("token_ids").toString(), "turn 1 is the bench reference's answer for v000");

        CliProcess.Result oneShot = CliProcess.run("ask", "--model", MODEL, "--video", V000, "--image", I042, "--json", "--raw-prompt",
                "USER: <video>\nWhat color is the shape? ASSISTANT: green</s>USER: <image>\nWhat color is the shape? ASSISTANT:");
        assertEquals(0, oneShot.exitCode(), oneShot.describe());
        JsonNode whole = oneShot.json();
        assertEquals(whole.get("token_ids").toString(), second.get("token_ids").toString(), "turn 2 ids = one-shot ids on the whole prompt");
        assertEquals(whole.get("prompt_tokens").intValue(),
                first.get("prompt_tokens").intValue() + first.get("generated_tokens").intValue() + second.get("prompt_tokens").intValue() - 1,
                "turn 2 feeds only its new tokens (answer 1's </s> is counted once)");
    }

    /**
     * Script-friendly plain output (answer N on line N, an empty line for a failed turn); a media error
     * and a context overflow are reported on stderr and the chat goes on; /reset starts over.
     */
    @Test
    void errorsInATurnAreReportedAndTheChatGoesOn() {
        String script = String.join("\n", "What color is the shape?", "/video testdata/no-such-clip.mp4", "/video " + V001,
                "What color is the shape?", "/reset", "What color is the shape?", "/exit", "ignored after /exit") + "\n";
        CliProcess.Result chat = CliProcess.runWithInput(script, "chat", "--model", MODEL, "--video", V000, "--context", "600");
        assertEquals(0, chat.exitCode(), chat.describe());
        assertEquals("green\n\nyellow\n", chat.out(), "turn 2 (a second video) overflows the 600-token context; after /reset the attached v001 is answered");
        List<String> errors = chat.errLines().lines().toList();
        assertEquals(2, errors.size(), chat.err());
        assertTrue(errors.get(0).startsWith("vllava: error: ") && errors.get(0).contains("no-such-clip.mp4"), errors.get(0));
        assertTrue(errors.get(1).startsWith("vllava: error: ") && errors.get(1).contains("context holds 600")
                && errors.get(1).endsWith("(/reset starts a new conversation)"), errors.get(1));
    }

    /** A line with no end in sight (a binary file, /dev/zero) is refused with one line, not gathered until the heap is gone. */
    @Test
    void anEndlessInputLineIsAUsageErrorNotAnUnboundedRead() {
        CliProcess.Result chat = CliProcess.runWithInput("What color is the shape?\n" + "x".repeat(LineReader.PROMPT_LINE_CHARS + 1) + "\n",
                "chat", "--model", MODEL, "--video", V000);
        assertEquals(2, chat.exitCode(), chat.describe());
        assertEquals("green\n", chat.out(), "the answers before the long line are kept");
        assertEquals("vllava: error: input line 2: longer than " + LineReader.PROMPT_LINE_CHARS + " characters", chat.errLines().strip());
    }
}
