package dev.vllava.eval.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class JudgePromptTest {
    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void messagesAreVideoLlavasByteForByte() throws Exception {
        // The digests of the messages Video-LLaVA's eval_video_qa.py (984e65bf, file last changed in a8404b99)
        // builds for this pair, computed by evaluating the script's own `messages` expression.
        List<JudgePrompt.Message> messages = JudgePrompt.messages("What is the man doing?", "dancing", "He is dancing.");
        assertEquals("system", messages.get(0).role());
        assertEquals("12b9e42d120081bf1e7f1999bb09db2db250add544abd3c183d61a2f938c6510", sha256(messages.get(0).content()));
        assertEquals("user", messages.get(1).role());
        assertEquals("d2b71bd89af17a8fcadb414243848643d13343fa0bcbf438a14828ebb87d6cd0", sha256(messages.get(1).content()));
    }

    @Test
    void inputsAreInsertedVerbatim() {
        String user = JudgePrompt.messages("100% sure? {x}", "a $1 coin", "\\n").get(1).content();
        assertTrue(user.contains("Question: 100% sure? {x}\nCorrect Answer: a $1 coin\nPredicted Answer: \\n\n\n"), user);
    }
}
