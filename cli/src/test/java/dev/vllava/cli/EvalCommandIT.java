package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vllava eval} as a user runs it: the launcher and the packaged jar in their own process, on the
 * shapes bench. It reproduces the reference predictions and accuracy, stdout holds the metrics JSON
 * only, and a run killed mid-way then rerun with the same command leaves the same file as the
 * uninterrupted run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EvalCommandIT {
    private static final Path HOME = Path.of(System.getProperty("vllava.home", "..")).toAbsolutePath().normalize();
    private static final Path BENCH = HOME.resolve("testdata/shapes/bench");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static Process start(Path out, Path stdout, Path stderr) throws IOException {
        List<String> command = new ArrayList<>(List.of(HOME.resolve("vllava").toString(), "eval",
                "--model", HOME.resolve("testdata/shapes/model").toString(),
                "--questions", BENCH.resolve("questions.jsonl").toString(), "--out", out.toString(),
                "--batch", "4", "--max-new-tokens", "8", "--threads", "2"));
        return new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    }

    private static int runToEnd(Path out, Path stdout, Path stderr) throws Exception {
        Process process = start(out, stdout, stderr);
        assertTrue(process.waitFor(15, TimeUnit.MINUTES), "eval finished");
        return process.exitValue();
    }

    @Test
    @Order(1)
    void shapesBenchReproducesReferencePredictionsAndAccuracy() throws Exception {
        Path out = dir.resolve("uninterrupted.jsonl");
        Path stdout = dir.resolve("stdout.txt");
        Path stderr = dir.resolve("stderr.txt");
        int code = runToEnd(out, stdout, stderr);
        String err = Files.readString(stderr);
        assertEquals(0, code, err);

        JsonNode metrics = JSON.readTree(Files.readString(stdout));
        JsonNode expected = JSON.readTree(BENCH.resolve("reference_accuracy.json").toFile());
        for (String key : List.of("overall", "per_type", "per_media_type")) {
            assertEquals(expected.get(key), metrics.get(key), key);
        }
        assertEquals(0, metrics.get("errors").asInt());

        Map<String, JsonNode> reference = new HashMap<>();
        for (String line : Files.readAllLines(BENCH.resolve("reference_predictions.jsonl"))) {
            JsonNode node = JSON.readTree(line);
            reference.put(node.get("id").asText(), node);
        }
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertEquals(62, lines.size());
        for (String line : lines) {
            JsonNode node = JSON.readTree(line);
            JsonNode ref = reference.get(node.get("id").asText());
            assertEquals(ref.get("generated_ids"), node.get("token_ids"), "ids of " + node.get("id"));
            assertEquals(ref.get("prediction"), node.get("prediction"), "prediction of " + node.get("id"));
        }
        assertTrue(err.contains("INFO progress - 0/62 (0 errors)"), "a first progress line: " + err);
        assertTrue(err.contains("INFO progress - 62/62 (0 errors)"), "a last progress line: " + err);
        assertTrue(err.contains("vllava eval: 62 items in this shard, 0 resumed, 62 run (0 errors)"), err);
    }

    @Test
    @Order(2)
    void runKilledMidwayAndRerunWritesTheSameFile() throws Exception {
        Path out = dir.resolve("killed.jsonl");
        Process process = start(out, dir.resolve("killed-stdout.txt"), dir.resolve("killed-stderr.txt"));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (lineCount(out) < 6 && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(process.isAlive(), "still running when killed: " + Files.readString(dir.resolve("killed-stderr.txt")));
        process.destroyForcibly();
        process.waitFor(1, TimeUnit.MINUTES);
        long written = lineCount(out);
        assertTrue(written >= 6 && written < 62, written + " lines written before the kill");

        Path stderr = dir.resolve("resumed-stderr.txt");
        int code = runToEnd(out, dir.resolve("resumed-stdout.txt"), stderr);
        assertEquals(0, code, Files.readString(stderr));
        assertTrue(Files.readString(stderr).contains("62 items in this shard, " + written + " resumed, " + (62 - written) + " run"),
                "every whole line written before the kill is kept: " + Files.readString(stderr));
        assertEquals(Files.readString(dir.resolve("uninterrupted.jsonl")), Files.readString(out),
                "the killed-then-resumed file equals the uninterrupted one, byte for byte");
    }

    /** A chat-completions judge on 127.0.0.1 that answers after 100 ms and counts the requests. */
    private static HttpServer slowJudge(AtomicInteger requests) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/v1/chat/completions", exchange -> {
            String user = JSON.readTree(exchange.getRequestBody().readAllBytes()).at("/messages/1/content").asText();
            String prediction = user.substring(user.indexOf("Predicted Answer: ") + 18, user.indexOf("\n\nProvide"));
            requests.incrementAndGet();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String verdict = user.contains("Correct Answer: " + prediction + "\n") ? "{'pred': 'yes', 'score': 5}"
                    : "{'pred': 'no', 'score': 1}";
            byte[] body = JSON.writeValueAsBytes(JSON.createObjectNode().put("model", "slow-judge")
                    .set("choices", JSON.createArrayNode().add(JSON.createObjectNode()
                            .set("message", JSON.createObjectNode().put("role", "assistant").put("content", verdict)))));
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static Process judge(Path predictions, HttpServer server, String name) throws IOException {
        return new ProcessBuilder(HOME.resolve("vllava").toString(), "eval", "--score", predictions.toString(),
                "--task", "open", "--judge", "http://127.0.0.1:" + server.getAddress().getPort() + "/v1",
                "--judge-model", "m", "--judge-concurrency", "2")
                .redirectOutput(dir.resolve(name + "-stdout.txt").toFile())
                .redirectError(dir.resolve(name + "-stderr.txt").toFile()).start();
    }

    @Test
    @Order(3)
    void judgeKilledMidwayResumesWithoutAskingAJournaledVerdictAgain() throws Exception {
        // 62 predictions of the shapes bench, judged 2 at a time at 100 ms per reply; SIGKILL after 10 verdicts.
        Path killed = dir.resolve("judged-killed.jsonl");
        Path whole = dir.resolve("judged-whole.jsonl");
        Files.copy(BENCH.resolve("reference_predictions.jsonl"), killed);
        Files.copy(BENCH.resolve("reference_predictions.jsonl"), whole);
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = slowJudge(requests);
        try {
            Process process = judge(killed, server, "judge-killed");
            Path journal = dir.resolve("judged-killed.jsonl.judge-journal");
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (lineCount(journal) < 10 && process.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(process.isAlive(), "still judging when killed");
            process.destroyForcibly();
            process.waitFor(1, TimeUnit.MINUTES);
            long journaled = lineCount(journal);
            int beforeResume = requests.get();
            assertTrue(journaled >= 10 && journaled < 62, journaled + " verdicts journaled before the kill");

            Process resumed = judge(killed, server, "judge-resumed");
            assertTrue(resumed.waitFor(5, TimeUnit.MINUTES));
            assertEquals(0, resumed.exitValue(), Files.readString(dir.resolve("judge-resumed-stderr.txt")));
            assertEquals(62 - journaled, requests.get() - beforeResume,
                    "the resumed judge asks exactly the items without a journaled verdict");
            assertTrue(Files.readString(dir.resolve("judge-resumed-stderr.txt"))
                    .contains(journaled + " judged before"), Files.readString(dir.resolve("judge-resumed-stderr.txt")));

            Process uninterrupted = judge(whole, server, "judge-whole");
            assertTrue(uninterrupted.waitFor(5, TimeUnit.MINUTES));
            assertEquals(Files.readString(whole), Files.readString(killed),
                    "the killed-then-resumed file equals the uninterrupted one");
            assertEquals(Files.readString(dir.resolve("judge-whole-stdout.txt")),
                    Files.readString(dir.resolve("judge-resumed-stdout.txt")));
        } finally {
            server.stop(0);
        }
    }

    private static long lineCount(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).chars().filter(c -> c == '\n').count();
    }
}
