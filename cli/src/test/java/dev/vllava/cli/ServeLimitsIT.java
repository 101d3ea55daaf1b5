package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queueing, cancellation, the API key and shutdown, on a model whose answers never end before max_tokens
 * ({@link ZeroWeightModel}), served one sequence at a time with a queue of one.
 */
class ServeLimitsIT {
    private static final String KEY = "test-key-123";
    private static final String[] AUTH = {"Authorization", "Bearer " + KEY};
    @TempDir
    static Path modelDir;
    private static ServeProcess server;

    @BeforeAll
    static void start() {
        ZeroWeightModel.demoShape(modelDir);
        server = ServeProcess.start(Map.of("VLLAVA_TEST_KEY", KEY), "--model", modelDir.toString(), "--api-key-env", "VLLAVA_TEST_KEY",
                "--max-batch", "1", "--max-queue", "1", "--shutdown-grace", "60");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static ObjectNode longAnswer(int maxTokens, boolean stream) {
        ObjectNode body = ServeProcess.JSON.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", "Count to a million.");
        body.put("max_tokens", maxTokens).put("stream", stream);
        return body;
    }

    private static CompletableFuture<HttpResponse<String>> sendAsync(ObjectNode body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(server.base.resolve("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(ServeProcess.JSON.writeValueAsString(body)))
                .header("Content-Type", "application/json").headers(AUTH).build();
        return server.client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitMetric(String sample, double atLeast) throws Exception {
        for (int i = 0; i < 600 && !(server.metric(sample) >= atLeast); i++) {
            Thread.sleep(50);
        }
        assertTrue(server.metric(sample) >= atLeast, sample + " reached " + atLeast);
    }

    @Test
    void withoutTheKeyEveryApiRouteIs401() throws Exception {
        HttpResponse<String> response = server.chat(longAnswer(2, false));
        assertEquals(401, response.statusCode());
        assertEquals("invalid_api_key", ServeProcess.JSON.readTree(response.body()).at("/error/code").asText());
        assertEquals(401, server.get("/v1/models", "Authorization", "Bearer wrong").statusCode());
        assertEquals(200, server.get("/health").statusCode(), "health needs no key");
    }

    @Test
    void aFullQueueAnswers429WithRetryAfterAndTheAcceptedRequestsStillFinish() throws Exception {
        CompletableFuture<HttpResponse<String>> running = sendAsync(longAnswer(3000, false));
        awaitMetric("vllava_batch_size", 1);
        CompletableFuture<HttpResponse<String>> queued = sendAsync(longAnswer(4, false));
        awaitMetric("vllava_queue_length", 1);
        HttpResponse<String> refused = server.chat(longAnswer(4, false), AUTH);
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
        assertEquals("rate_limit_error", ServeProcess.JSON.readTree(refused.body()).at("/error/type").asText());
        JsonNode first = ServeProcess.JSON.readTree(running.get().body());
        assertEquals("length", first.at("/choices/0/finish_reason").asText());
        assertEquals(3000, first.at("/usage/completion_tokens").asInt());
        assertEquals(200, queued.get().statusCode());
    }

    @Test
    void aClientThatHangsUpMidStreamLeavesTheBatch() throws Exception {
        double cancelledBefore = server.metric("vllava_cancelled_total");
        HttpRequest request = HttpRequest.newBuilder(server.base.resolve("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(ServeProcess.JSON.writeValueAsString(longAnswer(4000, true))))
                .header("Content-Type", "application/json").headers(AUTH).build();
        HttpResponse<InputStream> stream = server.client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        BufferedReader events = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
        String first = events.readLine();
        assertTrue(first.startsWith("data: ") && first.contains("\"role\":\"assistant\""), first);
        stream.body().close(); // hang up after the first chunk (the zero model's tokens have no text: only heartbeats follow)
        awaitMetric("vllava_cancelled_total", cancelledBefore + 1);
        awaitMetric("vllava_requests_total{status=\"200\"}", 1);
        for (int i = 0; i < 100 && server.metric("vllava_batch_size") > 0; i++) {
            Thread.sleep(50);
        }
        assertEquals(0, server.metric("vllava_batch_size"), "the cancelled sequence has left the batch");
        assertEquals(200, server.chat(longAnswer(3, false), AUTH).statusCode(), "and the next request is served");
        assertTrue(server.stderrLines().stream().anyMatch(l -> l.contains("client_gone")), "the request log says the client went away");
    }

    @Test
    void aRequestPastItsTimeoutIs504OrAnErrorEventAndLeavesTheBatch() throws Exception {
        try (ServeProcess limited = ServeProcess.start(Map.of(), "--model", modelDir.toString(), "--request-timeout", "1")) {
            HttpResponse<String> plain = limited.chat(longAnswer(4000, false));
            assertEquals(504, plain.statusCode(), plain.body());
            assertEquals("timeout", ServeProcess.JSON.readTree(plain.body()).at("/error/code").asText());

            HttpResponse<String> streamed = limited.chat(longAnswer(4000, true));
            assertEquals(200, streamed.statusCode(), "the stream had begun when the time ran out");
            List<String> events = streamed.body().lines().filter(l -> l.startsWith("data: ")).toList();
            assertEquals("data: [DONE]", events.getLast());
            assertTrue(events.get(events.size() - 2).contains("\"code\":\"timeout\""), events.get(events.size() - 2));
            assertEquals(0, limited.metric("vllava_batch_size"), "timed-out sequences have left the batch");
        }
    }

    @Test
    void sigtermFinishesTheRunningRequestThenExits() throws Exception {
        try (ServeProcess second = ServeProcess.start(Map.of(), "--model", modelDir.toString(), "--shutdown-grace", "60")) {
            HttpRequest request = HttpRequest.newBuilder(second.base.resolve("/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(ServeProcess.JSON.writeValueAsString(longAnswer(1500, false))))
                    .header("Content-Type", "application/json").build();
            CompletableFuture<HttpResponse<String>> running = second.client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            for (int i = 0; i < 600 && !(second.metric("vllava_batch_size") >= 1); i++) {
                Thread.sleep(50);
            }
            second.sigterm(); // while the answer is being generated
            HttpResponse<String> response = running.get();
            assertEquals(200, response.statusCode(), response.body());
            assertEquals(1500, ServeProcess.JSON.readTree(response.body()).at("/usage/completion_tokens").asInt());
            assertEquals(143, second.terminate());
            assertTrue(second.stderrLines().stream().anyMatch(l -> l.contains("shutting down")), "the shutdown is logged");
        }
    }
}
