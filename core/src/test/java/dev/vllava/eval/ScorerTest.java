package dev.vllava.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScorerTest {
    private static final Path BENCH = Path.of("../testdata/shapes/bench");
    private static final ObjectMapper PLAIN = new ObjectMapper();

    @Test
    void referenceAccuracyIsReproducedFromReferencePredictions() throws Exception {
        Path predictions = BENCH.resolve("reference_predictions.jsonl");
        JsonNode reference = PLAIN.readTree(BENCH.resolve("reference_accuracy.json").toFile());
        // The reference judged decode(...).strip().lower() == answer; on these one-word answers that is
        // exactly normalised exact match.
        JsonNode ours = PLAIN.readTree(Scorer.score(Task.OPEN, predictions).toJsonString());
        for (String key : List.of("overall", "per_type", "per_media_type")) {
            assertEquals(reference.get(key), ours.get(key), key + " must equal reference_accuracy.json");
        }
        assertEquals(0, ours.get("errors").asInt());
        assertEquals(Task.OPEN, Scorer.score(null, predictions).task(), "mixed answers: open is inferred");
        for (ObjectNode line : PredictionLog.readLines(predictions)) {
            EvalItem item = EvalItem.parse(line, "reference", 1, 0, Path.of(""));
            assertEquals(line.get("correct").asBoolean(),
                    Scorer.judge(item, Task.OPEN, line.get("prediction").asText()).correct(), item.id());
        }
    }

    @Test
    void popeMetricsMatchHandComputedValues() {
        List<ObjectNode> lines = new ArrayList<>();
        String[][] cases = {
            {"yes", "Yes."}, {"yes", "yes, there is"}, {"yes", "No, there is not"}, {"yes", "There is a dog."},
            {"yes", "not sure"}, {"no", "No."}, {"no", "no"}, {"no", "Yes it is"}, {"no", "NO"},
            {"no", "There is a cat."},
        };
        for (int i = 0; i < cases.length; i++) {
            lines.add(line(i, cases[i][0], cases[i][1]).put("type", i % 2 == 0 ? "random" : "popular"));
        }
        lines.add(line(10, "yes", null).put("error", "clip.mp4: no such file"));
        lines.add(line(11, "maybe", "yes"));
        // yes labels -> predicted yes, yes, no, yes, no: TP 3, FN 2.
        // no labels  -> predicted no, no, yes, yes (NO is yes for POPE), yes: TN 2, FP 3.
        Metrics metrics = Scorer.score(Task.YESNO, lines, "pope");
        GroupStats all = metrics.overall();
        assertEquals(10, all.n(), "the failed and the unlabelled item are not in n");
        assertEquals(3, all.truePositives());
        assertEquals(3, all.falsePositives());
        assertEquals(2, all.trueNegatives());
        assertEquals(2, all.falseNegatives());
        assertEquals(0.5, all.accuracy(), 1e-12, "(TP + TN) / n = 5 / 10");
        assertEquals(0.5, all.precision(), 1e-12, "TP / (TP + FP) = 3 / 6");
        assertEquals(0.6, all.recall(), 1e-12, "TP / (TP + FN) = 3 / 5");
        assertEquals(6.0 / 11.0, all.f1(), 1e-12, "2PR / (P + R) = 0.6 / 1.1");
        assertEquals(0.6, all.yesRatio(), 1e-12, "6 of 10 predictions are yes");
        assertEquals(1, metrics.errors());
        assertEquals(1, metrics.unscored());
        // random = items 0,2,4,6,8: labels y,y,y,n,n preds y,n,n,n,y -> TP1 FN2 TN1 FP1
        GroupStats random = metrics.perType().get("random");
        assertEquals(5, random.n());
        assertEquals(2, random.correct());
        assertEquals(0.5, random.precision(), 1e-12);
        assertEquals(1.0 / 3.0, random.recall(), 1e-12);
        JsonNode json = metrics.toJson();
        assertEquals(0.5455, json.get("overall").get("f1").asDouble(), "rounded to 4 places in JSON");
        assertEquals(3, json.get("overall").get("fp").asInt());
    }

    @Test
    void choiceScoresPerQuestionAndCircular() {
        List<ObjectNode> lines = new ArrayList<>();
        // g1: all four rotations right; g2: one of four wrong; g3: one rotation failed -> incomplete.
        String[] g1 = {"A", "(B)", "The answer is C", "D. pear"};
        String[] g2 = {"A", "B", "C", "A"};
        for (int r = 0; r < 4; r++) {
            String letter = String.valueOf((char) ('A' + r));
            lines.add(choice("g1-" + r, letter, g1[r]).put("circular_id", "g1").put("type", "fruit"));
            lines.add(choice("g2-" + r, letter, g2[r]).put("circular_id", "g2").put("type", "fruit"));
            ObjectNode g3 = choice("g3-" + r, letter, letter).put("circular_id", "g3").put("type", "veg");
            if (r == 2) {
                g3.remove("prediction");
                g3.put("error", "prompt too long");
            }
            lines.add(g3);
        }
        // MMBench index convention: 7 and 1000007 are the same question.
        lines.add(choice("x", "A", "A").put("index", 7));
        lines.add(choice("y", "B", "C").put("index", 1_000_007));
        Metrics metrics = Scorer.score(Task.CHOICE, lines, "mmbench");
        assertEquals(13, metrics.overall().n());
        assertEquals(11, metrics.overall().correct(), "wrong: g2-3 and y");
        Metrics.Circular circular = metrics.circular();
        assertEquals(3, circular.overall().n(), "groups g1, g2 and index 7; g3 has a failed rotation");
        assertEquals(1, circular.overall().correct(), "only g1 has every rotation right");
        assertEquals(1, circular.incomplete());
        assertEquals(2, circular.perType().get("fruit").n());
        assertEquals(1, circular.perType().get("fruit").correct());
        assertNull(circular.perType().get("veg"));
        assertEquals(1, metrics.errors());
    }

    @Test
    void mmbenchIndexGroupsByNumericValueAndScoresThroughTheMainRow() {
        // One question in four rotations, the index written as text by a TSV converter for three of them.
        // VLMEvalKit's mcq_circular_eval: g_index = index % 1e6, one group, hit only if every rotation hits.
        List<ObjectNode> lines = new ArrayList<>();
        String[] answers = {"A", "B", "C", "D"};
        String[] predictions = {"A", "B", "c", "D"};
        Object[] indexes = {24, "1000024", "2000024", "3000024"};
        for (int r = 0; r < 4; r++) {
            ObjectNode line = choice("q24-" + r, answers[r], predictions[r]).put("category", "fruit");
            if (indexes[r] instanceof Integer number) {
                line.put("index", number);
            } else {
                line.put("index", (String) indexes[r]);
            }
            lines.add(line);
        }
        Metrics metrics = Scorer.score(Task.CHOICE, lines, "mmbench");
        assertEquals(3, metrics.overall().correct(), "'c' is no letter for VLMEvalKit: that rotation is wrong");
        assertEquals(1, metrics.circular().overall().n(), "official: one group");
        assertEquals(0.0, metrics.circular().overall().accuracy(), "official: 0, not 0.75");
    }

    @Test
    void aGroupIsScoredOnlyThroughItsMainRowAndTakesItsType() {
        List<ObjectNode> lines = new ArrayList<>();
        lines.add(choice("main", "A", "A").put("index", 5).put("category", "main-type"));
        lines.add(choice("copy", "B", "B").put("index", 1_000_005).put("category", "copy-type"));
        lines.add(choice("orphan", "C", "C").put("index", 1_000_006).put("category", "copy-type"));
        lines.add(choice("wrong", "A", "no idea").put("index", 9).put("category", "main-type"));
        Metrics.Circular circular = Scorer.score(Task.CHOICE, lines, "mmbench").circular();
        assertEquals(2, circular.overall().n(), "official: groups 5 and 9; 6 has no row below 1,000,000");
        assertEquals(1, circular.overall().correct(), "an answer naming no option is wrong, not left out");
        assertEquals(1, circular.incomplete(), "the orphan group is counted, not scored");
        assertEquals(2, circular.perType().get("main-type").n(), "the main row's category is the group's");
        assertNull(circular.perType().get("copy-type"));
    }

    @Test
    void aNonNumericIndexIsAnErrorNamingTheLine() {
        List<ObjectNode> lines = List.of(choice("a", "A", "A").put("index", 3),
                choice("b", "A", "A").put("index", "3b"));
        VllavaException e = assertThrows(VllavaException.class, () -> Scorer.score(Task.CHOICE, lines, "pred.jsonl"));
        assertEquals(Failure.USAGE, e.failure());
        assertTrue(e.getMessage().startsWith("pred.jsonl:2: \"index\" \"3b\" is not an integer"), e.getMessage());
    }

    private static ObjectNode line(int id, String answer, String prediction) {
        ObjectNode line = Jsonl.MAPPER.createObjectNode().put("id", id).put("image", "x.jpg")
                .put("question", "Is there a dog in the image?").put("answer", answer);
        if (prediction != null) {
            line.put("prediction", prediction);
        }
        return line;
    }

    private static ObjectNode choice(String id, String answer, String prediction) {
        ObjectNode line = Jsonl.MAPPER.createObjectNode().put("id", id).put("question", "Which fruit?")
                .put("answer", answer).put("prediction", prediction);
        line.putArray("options").add("apple").add("plum").add("fig").add("pear");
        return line;
    }

    @Test
    void openItemsWithoutAnswerAreUnscored() {
        ObjectNode line = line(1, "dog", "dog");
        line.remove("answer");
        Metrics metrics = Scorer.score(Task.OPEN, List.of(line), "open");
        assertEquals(0, metrics.overall().n());
        assertEquals(1, metrics.unscored());
        assertNull(metrics.circular());
    }
}
