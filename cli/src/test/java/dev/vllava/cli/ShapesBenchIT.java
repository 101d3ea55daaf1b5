package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The demo model (testdata/shapes, trained): {@code vllava ask QUESTION --json} on a few bench items
 * (videos and images, colour questions and others) gives the reference's generated ids, through the
 * CLI's own prompt template (the reference used {@code USER: <video>\n{question} ASSISTANT:}).
 */
class ShapesBenchIT {
    private static final String BENCH = "testdata/shapes/bench/";

    private static Map<String, JsonNode> byId(String file) throws IOException {
        Map<String, JsonNode> items = new HashMap<>();
        ObjectMapper mapper = new ObjectMapper();
        for (String line : Files.readAllLines(CliProcess.path(BENCH + file))) {
            JsonNode item = mapper.readTree(line);
            items.put(item.get("id").asText(), item);
        }
        return items;
    }

    @ParameterizedTest
    @ValueSource(strings = {"v000", "v011", "v027", "i042", "i051"})
    void answersLikeTheReference(String id) throws IOException {
        JsonNode question = byId("questions.jsonl").get(id);
        JsonNode reference = byId("reference_predictions.jsonl").get(id);
        String mediaOption = question.has("video") ? "--video" : "--image";
        String media = BENCH + question.get(question.has("video") ? "video" : "image").asText();
        CliProcess.Result run = CliProcess.run("ask", "--model", "testdata/shapes/model", mediaOption, media, "--json",
                question.get("question").asText());
        assertEquals(0, run.exitCode(), run.describe());
        JsonNode json = run.json();
        assertEquals(reference.get("generated_ids").toString(), json.get("token_ids").toString(), id + ": " + question);
        assertEquals(reference.get("prediction").asText(), json.get("answer").asText());
        assertEquals(reference.get("num_input_ids").intValue(), json.get("prompt_tokens").intValue());
    }
}
