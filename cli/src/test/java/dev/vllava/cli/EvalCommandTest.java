package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.model.GoldenData;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vllava eval} in process: {@code --score} and {@code --merge} against hand-computed metrics, and
 * usage and checkpoint failures as one line and the project's exit codes. Runs with the model are in
 * {@code EvalCommandIT} (the packaged jar) and core's {@code VideoLlavaEvalTest}.
 */
class EvalCommandTest {
    private static final Path SHAPES = GoldenData.testdata().resolve("shapes");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static CapturedRun eval(String... args) {
        return CapturedRun.vllava("eval", args);
    }

    /** Seven POPE-style lines: TP, FN, TN (type a); FP, TP, a failed item, an unscorable answer (type b). */
    private Path popePredictions() throws Exception {
        Path file = dir.resolve("pope.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"id\":1,\"question\":\"Is there a dog?\",\"answer\":\"yes\",\"type\":\"a\",\"prediction\":\"Yes, there is.\"}",
                "{\"id\":2,\"question\":\"Is there a cat?\",\"answer\":\"yes\",\"type\":\"a\",\"prediction\":\"No.\"}",
                "{\"id\":3,\"question\":\"Is there a cow?\",\"answer\":\"no\",\"type\":\"a\",\"prediction\":\"no\"}",
                "{\"id\":4,\"question\":\"Is there a fox?\",\"answer\":\"no\",\"type\":\"b\",\"prediction\":\"Yes\"}",
                "{\"id\":5,\"question\":\"Is there a hen?\",\"answer\":\"yes\",\"type\":\"b\",\"prediction\":\"yes\",\"correct\":false}",
                "{\"id\":6,\"question\":\"Is there a pig?\",\"answer\":\"no\",\"type\":\"b\",\"error\":\"v6.mp4: file not found\"}",
                "{\"id\":7,\"question\":\"Is there an owl?\",\"answer\":\"maybe\",\"type\":\"b\",\"prediction\":\"yes\"}") + "\n");
        return file;
    }

    @Test
    void scorePrintsHandComputedPopeMetricsAndNothingElseOnStdout() throws Exception {
        CapturedRun run = eval("--score", popePredictions().toString(), "--task", "yesno");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode metrics = JSON.readTree(run.out());
        assertEquals("yesno", metrics.get("task").asText());
        // n = 5 scored: TP 2 (ids 1, 5), FN 1 (2), TN 1 (3), FP 1 (4); id 6 failed, id 7's answer is not yes/no.
        assertEquals(JSON.readTree("{\"n\":5,\"correct\":3,\"accuracy\":0.6,\"precision\":0.6667,\"recall\":0.6667,"
                + "\"f1\":0.6667,\"yes_ratio\":0.6,\"tp\":2,\"fp\":1,\"tn\":1,\"fn\":1}"), metrics.get("overall"));
        assertEquals(1, metrics.get("errors").asInt());
        assertEquals(1, metrics.get("unscored").asInt());
        // type a: TP, FN, TN -> precision 1/1, recall 1/2, f1 2/3, yes ratio 1/3.
        assertEquals(JSON.readTree("{\"n\":3,\"correct\":2,\"accuracy\":0.6667,\"precision\":1.0,\"recall\":0.5,"
                + "\"f1\":0.6667,\"yes_ratio\":0.3333,\"tp\":1,\"fp\":0,\"tn\":1,\"fn\":1}"), metrics.at("/per_type/a"));
        // type b: FP, TP -> precision 1/2, recall 1/1, f1 2/3, yes ratio 1; the stale "correct": false is ignored.
        assertEquals(JSON.readTree("{\"n\":2,\"correct\":1,\"accuracy\":0.5,\"precision\":0.5,\"recall\":1.0,"
                + "\"f1\":0.6667,\"yes_ratio\":1.0,\"tp\":1,\"fp\":1,\"tn\":0,\"fn\":0}"), metrics.at("/per_type/b"));
        assertEquals(metrics.at("/per_type/b"), metrics.at("/per_media_type/text~1b"), "no media: text/b");
        assertTrue(run.err().contains("yesno accuracy 0.6000 (3/5 scored, 1 errors, 1 unscored)"), run.err());
    }

    @Test
    void scoreWithoutTaskInfersItAndRejudgesThePredictions() throws Exception {
        CapturedRun run = eval("--score", popePredictions().toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode metrics = JSON.readTree(run.out());
        assertEquals("open", metrics.get("task").asText(), "inferred: the answer 'maybe' is neither yes nor no");
        JsonNode overall = metrics.get("overall");
        // Exact match after normalisation: "no" = "no" (3) and "yes" = "yes" (5); "maybe" vs "yes" is wrong.
        assertEquals(6, overall.get("n").asInt());
        assertEquals(2, overall.get("correct").asInt());
    }

    @Test
    void scoreWithJudgeAsksAChatCompletionsServerAndReportsThePapersMetrics() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger requests = new AtomicInteger();
        server.createContext("/v1/chat/completions", exchange -> {
            requests.incrementAndGet();
            String prediction = JSON.readTree(exchange.getRequestBody().readAllBytes()).at("/messages/1/content").asText();
            String verdict = prediction.contains("Predicted Answer: yes") ? "{'pred': 'yes', 'score': 4.6}" : "{'pred': 'no', 'score': 2}";
            byte[] body = JSON.writeValueAsBytes(JSON.createObjectNode().put("model", "judge-7b-q4")
                    .set("choices", JSON.createArrayNode().add(JSON.createObjectNode()
                            .set("message", JSON.createObjectNode().put("role", "assistant").put("content", verdict)))));
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            Path predictions = popePredictions();
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
            CapturedRun run = eval("--score", predictions.toString(), "--task", "open", "--judge", url,
                    "--judge-model", "local");
            assertEquals(0, run.exitCode(), run.err());
            JsonNode judge = JSON.readTree(run.out()).get("judge");
            // Lines 1-5 and 7 have a prediction and an answer; 5 and 7 predict "yes" (yes, 4.6 -> 4), the others no (2).
            assertEquals(6, requests.get());
            assertEquals("judge-7b-q4", judge.get("model").asText());
            assertEquals(2, judge.get("yes").asInt());
            assertEquals(4, judge.get("no").asInt());
            assertEquals(0.3333, judge.get("accuracy").asDouble());
            assertEquals(2.6667, judge.get("score").asDouble(), "(4 + 4 + 4 * 2) / 6, scores as integers");
            assertEquals(2.8667, judge.get("score_exact").asDouble());
            assertTrue(Files.readString(predictions).contains("\"judge_pred\":\"yes\",\"judge_score\":4.6,\"judge_model\":\"judge-7b-q4\""));
            CapturedRun again = eval("--score", predictions.toString(), "--judge", url, "--judge-model", "local");
            assertEquals(0, again.exitCode(), again.err());
            assertEquals(6, requests.get(), "a judged file is not judged again");
            assertEquals(judge, JSON.readTree(again.out()).get("judge"));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void judgeOptionsAreCheckedBeforeAnythingRuns() throws Exception {
        String file = popePredictions().toString();
        CapturedRun noModel = eval("--score", file, "--judge", "http://127.0.0.1:9/v1");
        assertEquals(2, noModel.exitCode());
        assertTrue(noModel.err().contains("--judge needs --judge-model"), noModel.err());
        CapturedRun wrongTask = eval("--score", file, "--task", "yesno", "--judge", "http://127.0.0.1:9/v1",
                "--judge-model", "m");
        assertEquals(2, wrongTask.exitCode());
        CapturedRun badUrl = eval("--score", file, "--judge", "127.0.0.1:8080", "--judge-model", "m");
        assertEquals(2, badUrl.exitCode());
        assertTrue(badUrl.err().contains("expected an http(s) URL"), badUrl.err());
    }

    @Test
    void mergeOrdersLinesAsTheQuestionsAndListsMissingIds() throws Exception {
        Path questions = dir.resolve("q.jsonl");
        Files.writeString(questions, """
                {"id":"a","question":"Is it red?","answer":"yes"}
                {"id":"b","question":"Is it blue?","answer":"no"}
                {"id":"c","question":"Is it green?","answer":"no"}
                """);
        Path shard0 = dir.resolve("s0.jsonl");
        Path shard1 = dir.resolve("s1.jsonl");
        Files.writeString(shard0, "{\"id\":\"b\",\"question\":\"Is it blue?\",\"answer\":\"no\",\"prediction\":\"No\"}\n");
        Files.writeString(shard1, "{\"id\":\"a\",\"question\":\"Is it red?\",\"answer\":\"yes\",\"prediction\":\"Yes\"}\n");
        Path merged = dir.resolve("merged.jsonl");
        CapturedRun run = eval("--merge", merged.toString(), shard0.toString(), shard1.toString(), "--questions", questions.toString());
        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = Files.readAllLines(merged);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).startsWith("{\"id\":\"a\"") && lines.get(1).startsWith("{\"id\":\"b\""), lines.toString());
        JsonNode metrics = JSON.readTree(run.out());
        assertEquals(2, metrics.at("/overall/correct").asInt());
        assertTrue(run.err().contains("1 ids of " + questions + " are in no shard: c"), run.err());
    }

    @Test
    void missingRunOptionsAreAUsageError() {
        CapturedRun run = eval("--questions", "q.jsonl");
        assertEquals(2, run.exitCode());
        assertEquals("", run.out());
        assertEquals("vllava: error: eval needs --model, --questions and --out (or --score / --merge)\n", run.err());
    }

    @Test
    void badOptionValuesAreUsageErrorsBeforeTheModelLoads() {
        String questions = SHAPES.resolve("bench/questions.jsonl").toString();
        String out = dir.resolve("p.jsonl").toString();
        for (List<String> bad : List.of(List.of("--task", "essay"), List.of("--batch", "0"), List.of("--shard", "3/2"),
                List.of("--backend", "tpu"), List.of("--frames", "0"))) {
            List<String> args = new java.util.ArrayList<>(List.of("--model", SHAPES.resolve("model").toString(),
                    "--questions", questions, "--out", out));
            args.addAll(bad);
            CapturedRun run = eval(args.toArray(String[]::new));
            assertEquals(2, run.exitCode(), bad + ": " + run.err());
            assertEquals(1, run.err().lines().count(), bad + ": one line: " + run.err());
        }
        assertTrue(Files.notExists(dir.resolve("p.jsonl")), "nothing written");
    }

    @Test
    void scoreWithRunOptionsIsAUsageError() throws Exception {
        CapturedRun run = eval("--score", popePredictions().toString(), "--model", "m");
        assertEquals(2, run.exitCode());
    }

    @Test
    void unreadableCheckpointExitsWithFour() {
        // --backend cpu: the backend choice may log when an earlier test in this JVM turned on -v.
        CapturedRun run = eval("--backend", "cpu", "--model", dir.resolve("no-model").toString(), "--questions",
                SHAPES.resolve("bench/questions.jsonl").toString(), "--out", dir.resolve("p.jsonl").toString());
        assertEquals(4, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("vllava: error: ") && run.err().lines().count() == 1, run.err());
    }
}
