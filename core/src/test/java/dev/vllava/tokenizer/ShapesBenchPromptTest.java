package dev.vllava.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The trained shapes model (tokenizer.model, legacy: true): each bench prompt's token count must give the
 * reference's {@code num_input_ids} once its one {@code <video>} / {@code <image>} placeholder is expanded to the
 * config's {@code video_seq_length} (8 x 65 = 520) / {@code image_seq_length} (64) tokens.
 */
class ShapesBenchPromptTest {

    @Test
    void benchPromptLengthsMatchReference() throws IOException {
        Tokenizer tokenizer = Tokenizer.load(TestData.SHAPES.resolve("model"));
        JsonNode config = TestData.read(TestData.SHAPES.resolve("model/config.json"));
        int videoTokens = config.get("video_seq_length").asInt();
        int imageTokens = config.get("image_seq_length").asInt();
        Map<String, JsonNode> questions = new HashMap<>();
        for (String line : Files.readAllLines(TestData.SHAPES.resolve("bench/questions.jsonl"))) {
            JsonNode q = TestData.JSON.readTree(line);
            questions.put(q.get("id").asText(), q);
        }
        List<String> predictions = Files.readAllLines(TestData.SHAPES.resolve("bench/reference_predictions.jsonl"));
        assertEquals(62, predictions.size());
        for (String line : predictions) {
            JsonNode reference = TestData.JSON.readTree(line);
            JsonNode q = questions.get(reference.get("id").asText());
            boolean video = q.has("video");
            String prompt = "USER: " + (video ? "<video>" : "<image>") + "\n" + q.get("question").asText()
                    + " ASSISTANT:";
            int[] ids = tokenizer.encode(prompt, true);
            int expanded = ids.length - 1 + (video ? videoTokens : imageTokens);
            assertEquals(reference.get("num_input_ids").asInt(), expanded, prompt);
            int[] generated = TestData.ints(reference.get("generated_ids"));
            assertEquals(reference.get("prediction").asText(), tokenizer.decode(generated, true).strip());
        }
    }
}
