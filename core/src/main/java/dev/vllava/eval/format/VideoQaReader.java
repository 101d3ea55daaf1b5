package dev.vllava.eval.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Video-LLaVA's open video QA files (MSVD-QA, MSRVTT-QA, TGIF-QA, ActivityNet-QA): {@code test_q.json}, a
 * JSON array of {@code {video_name, question, question_id}}, and {@code test_a.json}, an array of
 * {@code {answer, type?, question_id}}. Answers are matched by {@code question_id}; only when ids are
 * absent, by position (with a warning: Video-LLaVA's own script pairs by position, which silently mispairs
 * files that are not in the same order). The video is looked up under the media root by name: as given,
 * then with each extension the benchmarks use, then with ActivityNet's {@code v_} prefix.
 */
public final class VideoQaReader {
    private static final Logger LOG = LoggerFactory.getLogger(VideoQaReader.class);
    /** Video-LLaVA's list (.mp4 .avi .mov .mkv) and TGIF's .gif and .webm. */
    static final List<String> EXTENSIONS = List.of("", ".avi", ".mp4", ".mkv", ".webm", ".gif", ".mov");
    static final List<String> PREFIXES = List.of("", "v_");

    private VideoQaReader() {}

    /**
     * @param answersFile null: items without answers (predicted, not scored)
     */
    public static List<Row> read(Path questionsFile, Path answersFile, Path mediaRoot) {
        JsonNode questions = array(questionsFile);
        List<JsonNode> answers = answersFile == null ? null : matchAnswers(questions, array(answersFile), answersFile);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) {
            JsonNode question = questions.get(i);
            if (!question.isObject()) {
                throw VllavaException.usage("%s: element %d is not an object", questionsFile, i + 1);
            }
            ObjectNode fields = BenchmarkJson.MAPPER.createObjectNode();
            fields.set("id", question.has("question_id") ? question.get("question_id") : fields.numberNode(i));
            JsonNode videoName = question.get("video_name");
            if (videoName != null && videoName.isTextual()) {
                fields.put("video", findVideo(mediaRoot, videoName.asText()));
            }
            fields.set("question", question.get("question"));
            JsonNode answer = answers == null ? null : answers.get(i);
            if (answer != null) {
                fields.set("answer", answer.get("answer"));
                if (answer.has("type")) {
                    fields.set("type", answer.get("type"));
                }
            }
            question.properties().forEach(entry -> {
                if (!fields.has(entry.getKey())) {
                    fields.set(entry.getKey(), entry.getValue());
                }
            });
            rows.add(new Row(i + 1, fields));
        }
        return rows;
    }

    /** The video file name under the root: the first candidate that exists, else the name as given. */
    static String findVideo(Path root, String name) {
        for (String prefix : PREFIXES) {
            for (String extension : EXTENSIONS) {
                String candidate = prefix + name + extension;
                if (Files.isRegularFile(root.resolve(candidate))) {
                    return candidate;
                }
            }
        }
        return name;
    }

    /** The answer for each question, by id when every element has one, else by position. */
    private static List<JsonNode> matchAnswers(JsonNode questions, JsonNode answers, Path answersFile) {
        if (allHaveIds(questions) && allHaveIds(answers)) {
            Map<String, JsonNode> byId = new HashMap<>();
            for (JsonNode answer : answers) {
                byId.put(answer.get("question_id").asText(), answer);
            }
            List<JsonNode> matched = new ArrayList<>();
            int unmatched = 0;
            for (JsonNode question : questions) {
                JsonNode answer = byId.get(question.get("question_id").asText());
                unmatched += answer == null ? 1 : 0;
                matched.add(answer);
            }
            if (unmatched > 0) {
                LOG.warn("{}: no answer for {} of {} questions (they are predicted, not scored)", answersFile,
                        unmatched, questions.size());
            }
            return matched;
        }
        if (questions.size() != answers.size()) {
            throw VllavaException.usage("%s: %d answers for %d questions, and no question_id to match them by",
                    answersFile, answers.size(), questions.size());
        }
        LOG.warn("{}: no question_id on every question and answer; answers are matched by position", answersFile);
        List<JsonNode> byPosition = new ArrayList<>();
        answers.forEach(byPosition::add);
        return byPosition;
    }

    private static boolean allHaveIds(JsonNode elements) {
        for (JsonNode element : elements) {
            JsonNode id = element.get("question_id");
            if (id == null || !(id.isTextual() || id.isNumber())) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode array(Path file) {
        JsonNode node = BenchmarkJson.read(file);
        if (!node.isArray()) {
            throw VllavaException.usage("%s: expected a JSON array (Video-LLaVA's test_q.json / test_a.json)", file);
        }
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isObject()) {
                throw VllavaException.usage("%s: element %d is not an object", file, i + 1);
            }
        }
        return node;
    }
}
