package dev.vllava.eval.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * LLaVA's POPE files: {@code llava_pope_test.jsonl} ({@code question_id, image, text, category} per line)
 * and the COCO POPE label files {@code coco_pope_<category>.json} (JSON Lines with {@code label} yes/no).
 * As LLaVA's {@code eval_pope.py}, the k-th question of a category takes the k-th label of that category's
 * file; each pairing is checked (same image when both name one, label text a prefix of the question text),
 * so a label file that is not the questions' own is refused instead of scoring the wrong labels.
 */
public final class PopeReader {
    private static final String PREFIX = "coco_pope_";
    private static final String SUFFIX = ".json";

    private PopeReader() {}

    /**
     * @param labels a folder of {@code coco_pope_*.json} files or one such file; null: no answers
     */
    public static List<Row> read(Path questionsFile, Path labels) {
        Map<String, List<JsonNode>> labelsByCategory = labels == null ? Map.of() : labelFiles(labels);
        Map<String, Integer> seen = new HashMap<>();
        List<Row> rows = new ArrayList<>();
        List<String> lines = lines(questionsFile);
        for (int n = 0; n < lines.size(); n++) {
            if (lines.get(n).isBlank()) {
                continue;
            }
            JsonNode question = BenchmarkJson.line(questionsFile, n + 1, lines.get(n));
            ObjectNode fields = BenchmarkJson.MAPPER.createObjectNode();
            fields.set("id", question.get("question_id"));
            fields.set("image", question.get("image"));
            fields.set("question", question.get("text"));
            fields.set("category", question.get("category"));
            String category = question.path("category").asText("");
            List<JsonNode> categoryLabels = labelsByCategory.get(category);
            if (categoryLabels != null) {
                int k = seen.merge(category, 1, Integer::sum) - 1;
                if (k >= categoryLabels.size()) {
                    throw VllavaException.usage("%s:%d: more %s questions than labels in %s%s%s", questionsFile, n + 1,
                            category, PREFIX, category, SUFFIX);
                }
                JsonNode label = categoryLabels.get(k);
                checkPairing(question, label, questionsFile, n + 1, category, k + 1);
                fields.set("answer", label.get("label"));
            }
            question.properties().forEach(entry -> {
                if (!fields.has(entry.getKey())) {
                    fields.set(entry.getKey(), entry.getValue());
                }
            });
            rows.add(new Row(n + 1, fields));
        }
        return rows;
    }

    private static void checkPairing(JsonNode question, JsonNode label, Path file, int line, String category, int k) {
        boolean sameImage = !label.has("image") || !question.has("image")
                || label.get("image").asText().equals(question.get("image").asText());
        boolean sameText = !label.has("text") || question.path("text").asText().strip()
                .startsWith(label.get("text").asText().strip());
        if (!sameImage || !sameText) {
            throw VllavaException.usage("%s:%d: does not match line %d of %s%s%s (the label files must be the ones "
                    + "llava_pope_test.jsonl was made from)", file, line, k, PREFIX, category, SUFFIX);
        }
    }

    private static Map<String, List<JsonNode>> labelFiles(Path labels) {
        List<Path> files;
        if (Files.isDirectory(labels)) {
            try (Stream<Path> listing = Files.list(labels)) {
                files = listing.filter(PopeReader::isLabelFile).sorted().toList();
            } catch (IOException e) {
                throw VllavaException.usage("%s: cannot list (%s)", labels, e.getMessage());
            }
            if (files.isEmpty()) {
                throw VllavaException.usage("%s: no coco_pope_<category>.json label files", labels);
            }
        } else if (isLabelFile(labels)) {
            files = List.of(labels);
        } else {
            throw VllavaException.usage("%s: expected the folder of coco_pope_<category>.json files or one of them", labels);
        }
        Map<String, List<JsonNode>> byCategory = new HashMap<>();
        for (Path file : files) {
            String name = file.getFileName().toString();
            String category = name.substring(PREFIX.length(), name.length() - SUFFIX.length());
            List<JsonNode> labelsOfFile = new ArrayList<>();
            List<String> lines = lines(file);
            for (int n = 0; n < lines.size(); n++) {
                if (!lines.get(n).isBlank()) {
                    JsonNode label = BenchmarkJson.line(file, n + 1, lines.get(n));
                    if (!label.path("label").isTextual()) {
                        throw VllavaException.usage("%s:%d: no \"label\"", file, n + 1);
                    }
                    labelsOfFile.add(label);
                }
            }
            byCategory.put(category, labelsOfFile);
        }
        return byCategory;
    }

    private static boolean isLabelFile(Path file) {
        String name = file.getFileName().toString();
        return name.startsWith(PREFIX) && name.endsWith(SUFFIX) && Files.isRegularFile(file);
    }

    private static List<String> lines(Path file) {
        return BenchmarkJson.BENCHMARK_FILE.readText(file).lines().toList();
    }
}
