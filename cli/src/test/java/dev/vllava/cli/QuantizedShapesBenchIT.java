package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The accuracy targets of quantized weights on the trained demo model (testdata/shapes, 62 bench
 * items): {@code vllava eval --weights q8} predicts what the float reference predicted on at least 99%
 * of the items, and q4's accuracy is within 2 points of the reference's.
 */
class QuantizedShapesBenchIT {
    private static final String BENCH = "testdata/shapes/bench/";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"q8", "q4"})
    void quantizedEvalKeepsTheReferencePredictions(String weights) throws IOException {
        Path out = dir.resolve(weights + ".jsonl");
        CliProcess.Result run = CliProcess.run("eval", "--model", "testdata/shapes/model", "--questions", BENCH + "questions.jsonl",
                "--out", out.toString(), "--backend", "cpu", "--weights", weights);
        assertEquals(0, run.exitCode(), run.describe());
        Map<String, JsonNode> reference = byId(CliProcess.path(BENCH + "reference_predictions.jsonl"));
        Map<String, JsonNode> predicted = byId(out);
        assertEquals(reference.keySet(), predicted.keySet(), "every bench item predicted");
        int same = 0;
        int referenceCorrect = 0;
        int correct = 0;
        for (String id : reference.keySet()) {
            same += reference.get(id).get("prediction").asText().equals(predicted.get(id).get("prediction").asText()) ? 1 : 0;
            referenceCorrect += reference.get(id).get("correct").asBoolean() ? 1 : 0;
            correct += predicted.get(id).get("correct").asBoolean() ? 1 : 0;
        }
        double n = reference.size();
        if (weights.equals("q8")) {
            assertTrue(same / n >= 0.99, "q8 keeps the reference prediction on " + same + " of " + reference.size() + " items");
        }
        assertTrue(Math.abs(correct - referenceCorrect) / n <= 0.02,
                weights + " accuracy " + correct + "/" + reference.size() + " against the reference's " + referenceCorrect);
    }

    private static Map<String, JsonNode> byId(Path file) throws IOException {
        Map<String, JsonNode> items = new HashMap<>();
        ObjectMapper mapper = new ObjectMapper();
        for (String line : Files.readAllLines(file)) {
            JsonNode item = mapper.readTree(line);
            items.put(item.get("id").asText(), item);
        }
        return items;
    }
}
