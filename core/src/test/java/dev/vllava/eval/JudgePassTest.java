package dev.vllava.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import dev.vllava.eval.judge.FakeJudgeServer;
import dev.vllava.eval.judge.Judge;
import dev.vllava.eval.judge.JudgeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Judging a predictions file: verdicts recorded per line, resumable, independent of reply order. */
class JudgePassTest {
    @TempDir
    Path dir;

    /** Yes with 4.8 when the prediction says "dog", else no with 1; replies after a pseudo-random delay. */
    private static FakeJudgeServer.Response verdictFor(JsonNode request) {
        String prediction = FakeJudgeServer.predictionIn(request);
        String content = prediction.contains("dog") ? "{'pred': 'yes', 'score': 4.8}" : "{'pred': 'no', 'score': 1}";
        return new FakeJudgeServer.Response(200, FakeJudgeServer.completion(content, "judge-1"),
                Math.floorMod(prediction.hashCode(), 7) * 3L);
    }

    private Path predictions(int count) throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            ObjectNode line = Jsonl.MAPPER.createObjectNode().put("id", "q" + i).put("video", "v" + i + ".mp4")
                    .put("question", "What animal is it?").put("answer", "dog").put("type", i % 2 == 0 ? "even" : "odd");
            if (i == 3) {
                line.put("error", "v3.mp4: no such file");
            } else {
                line.put("prediction", i % 3 == 0 ? "a cat " + i : "a dog " + i).put("correct", false);
            }
            text.append(Jsonl.write(line)).append('\n');
        }
        Path file = dir.resolve("pred-" + count + "-" + System.nanoTime() + ".jsonl");
        Files.writeString(file, text);
        return file;
    }

    private static Judge judge(FakeJudgeServer server, int concurrency) {
        return new Judge(new JudgeOptions(server.base(), "gpt-3.5-turbo", null, 2, concurrency, Duration.ofSeconds(10),
                Duration.ofMillis(5)));
    }

    @Test
    void everyAnsweredLineGetsItsVerdictAndTheMetricsCountThemAsThePaperDoes() throws Exception {
        Path file = predictions(7);
        try (FakeJudgeServer server = new FakeJudgeServer((request, attempt) -> verdictFor(request));
                Judge judge = judge(server, 3)) {
            JudgePass.Summary summary = JudgePass.run(file, judge, warning -> {});
            assertEquals(new JudgePass.Summary(6, 0, 0), summary, "the failed item is not sent");
        }
        List<ObjectNode> lines = PredictionLog.readLines(file);
        assertEquals("yes", lines.get(1).get("judge_pred").asText());
        assertEquals("4.8", lines.get(1).get("judge_score").asText());
        assertEquals("judge-1", lines.get(1).get("judge_model").asText());
        assertFalse(lines.get(3).has("judge_pred"));
        assertFalse(Files.exists(JudgePass.journalOf(file)), "the journal is gone after a complete pass");
        // Predictions 0 and 6 say cat (no, 1), 1 2 4 5 say dog (yes, 4.8): accuracy 4/6; the paper's score
        // truncates 4.8 to 4: (4*4 + 2*1) / 6 = 3; the exact mean is (4*4.8 + 2) / 6.
        JsonNode metrics = Scorer.score(Task.OPEN, file).toJson().get("judge");
        assertEquals("judge-1", metrics.get("model").asText());
        assertEquals(6, metrics.get("n").asInt());
        assertEquals(4, metrics.get("yes").asInt());
        assertEquals(2, metrics.get("no").asInt());
        assertEquals(0.6667, metrics.get("accuracy").asDouble());
        assertEquals(3.0, metrics.get("score").asDouble());
        assertEquals(3.5333, metrics.get("score_exact").asDouble());
        assertEquals(0, metrics.get("failed").asInt());
        JsonNode even = metrics.get("per_type").get("even");
        assertEquals(4, even.get("n").asInt(), "q0, q2, q4, q6");
        assertEquals(0.5, even.get("accuracy").asDouble(), "q2 and q4 say dog");
    }

    @Test
    void aConcurrentRunWritesTheSameFileAsOneRequestAtATime() throws Exception {
        Path serial = predictions(24);
        Path concurrent = dir.resolve("concurrent.jsonl");
        Files.copy(serial, concurrent);
        try (FakeJudgeServer server = new FakeJudgeServer((request, attempt) -> verdictFor(request))) {
            try (Judge one = judge(server, 1)) {
                JudgePass.run(serial, one, warning -> {});
            }
            try (Judge eight = judge(server, 8)) {
                JudgePass.run(concurrent, eight, warning -> {});
            }
        }
        assertEquals(Files.readString(serial), Files.readString(concurrent));
    }

    @Test
    void aStoppedPassResumesWithoutAskingAnyVerdictTwice() throws Exception {
        Path file = predictions(10);
        AtomicInteger served = new AtomicInteger();
        Set<String> asked = new HashSet<>();
        List<String> askedTwice = new ArrayList<>();
        FakeJudgeServer.Script stopsAfterFour = (request, attempt) -> {
            synchronized (asked) {
                if (!asked.add(FakeJudgeServer.predictionIn(request))) {
                    askedTwice.add(FakeJudgeServer.predictionIn(request));
                }
            }
            return served.incrementAndGet() <= 4 ? verdictFor(request)
                    : new FakeJudgeServer.Response(401, "{\"error\": \"key revoked\"}", 0);
        };
        try (FakeJudgeServer server = new FakeJudgeServer(stopsAfterFour); Judge judge = judge(server, 1)) {
            assertThrows(VllavaException.class, () -> JudgePass.run(file, judge, warning -> {}));
        }
        assertTrue(Files.exists(JudgePass.journalOf(file)), "the stopped pass left its journal");
        assertFalse(PredictionLog.readLines(file).get(0).has("judge_pred"), "the file itself is untouched");
        asked.clear();
        try (FakeJudgeServer server = new FakeJudgeServer((request, attempt) -> {
                    synchronized (asked) {
                        if (!asked.add(FakeJudgeServer.predictionIn(request))) {
                            askedTwice.add(FakeJudgeServer.predictionIn(request));
                        }
                    }
                    return verdictFor(request);
                });
                Judge judge = judge(server, 4)) {
            JudgePass.Summary summary = JudgePass.run(file, judge, warning -> {});
            assertEquals(new JudgePass.Summary(5, 0, 4), summary, "9 answered items: 4 from the journal, 5 asked");
            assertEquals(5, server.requests().size());
        }
        assertTrue(askedTwice.isEmpty(), "asked twice: " + askedTwice);
        assertTrue(PredictionLog.readLines(file).stream().filter(JudgePass::judgeable)
                .allMatch(line -> line.has("judge_pred")));
        // A later pass has nothing to ask.
        try (FakeJudgeServer server = new FakeJudgeServer((request, attempt) -> verdictFor(request));
                Judge judge = judge(server, 2)) {
            assertEquals(new JudgePass.Summary(0, 0, 9), JudgePass.run(file, judge, warning -> {}));
            assertEquals(0, server.requests().size());
        }
    }

    @Test
    void failedVerdictsAreRecordedCountedAndRetriedByTheNextPass() throws Exception {
        Path file = predictions(3);
        List<String> warnings = new ArrayList<>();
        try (FakeJudgeServer server = new FakeJudgeServer((request, attempt) ->
                new FakeJudgeServer.Response(503, "busy", 0)); Judge judge = judge(server, 2)) {
            assertEquals(new JudgePass.Summary(3, 3, 0), JudgePass.run(file, judge, warnings::add));
        }
        assertEquals(3, warnings.size());
        assertEquals("judge: item q0: HTTP 503: busy (3 attempts)", warnings.getFirst());
        JsonNode metrics = Scorer.score(Task.OPEN, file).toJson().get("judge");
        assertEquals(3, metrics.get("failed").asInt());
        assertEquals(0, metrics.get("n").asInt());
        try (FakeJudgeServer server = new FakeJudgeServer((request, attempt) -> verdictFor(request));
                Judge judge = judge(server, 2)) {
            assertEquals(new JudgePass.Summary(3, 0, 0), JudgePass.run(file, judge, warning -> {}));
        }
        List<ObjectNode> lines = PredictionLog.readLines(file);
        assertFalse(lines.get(0).has("judge_error"), "a verdict replaces the error");
        assertEquals("no", lines.get(0).get("judge_pred").asText());
    }
}
