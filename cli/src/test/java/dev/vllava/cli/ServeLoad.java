package dev.vllava.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * A bounded load on a running server: a fixed list of requests sent by {@code clients} concurrent clients,
 * each taking the next request until none is left (so it stops by itself), recording each one's status,
 * answer and latency.
 */
final class ServeLoad {
    static final Path BENCH = CliProcess.path("testdata/shapes/bench");

    /** One answered request. */
    record Outcome(int status, String content, int completionTokens, double latencyMs) {}

    /** @param wallSeconds from the first request sent to the last answer */
    record Report(Outcome[] outcomes, double wallSeconds, int clients) {
        double percentileMs(double p) {
            double[] sorted = Arrays.stream(outcomes).mapToDouble(Outcome::latencyMs).sorted().toArray();
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100 * sorted.length) - 1)];
        }

        double requestsPerSecond() {
            return outcomes.length / wallSeconds;
        }

        String summary() {
            return String.format(Locale.ROOT, "%d requests, %d clients: %.1f s, %.2f requests/s, latency p50 %.0f ms, p99 %.0f ms",
                    outcomes.length, clients, wallSeconds, requestsPerSecond(), percentileMs(50), percentileMs(99));
        }
    }

    private ServeLoad() {}

    /** The demo bench's questions as chat requests (media as data: URLs, greedy, as ask would answer them). */
    static List<ObjectNode> benchRequests(int count, int maxTokens) {
        try {
            List<ObjectNode> requests = new ArrayList<>();
            for (String line : Files.readAllLines(BENCH.resolve("questions.jsonl"))) {
                if (requests.size() == count) {
                    break;
                }
                JsonNode item = ServeProcess.JSON.readTree(line);
                boolean video = item.has("video");
                Path media = BENCH.resolve(item.get(video ? "video" : "image").asText());
                String url = "data:" + (video ? "video/mp4" : "image/png") + ";base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(media));
                requests.add(chat(video ? "video_url" : "image_url", url, item.get("question").asText(), maxTokens));
            }
            return requests;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code {"messages": [{"role": "user", "content": [MEDIUM, TEXT]}], "max_tokens": N}}. */
    static ObjectNode chat(String mediaType, String url, String question, int maxTokens) {
        ObjectNode body = ServeProcess.JSON.createObjectNode();
        var content = body.putArray("messages").addObject().put("role", "user").putArray("content");
        content.addObject().put("type", mediaType).putObject(mediaType).put("url", url);
        content.addObject().put("type", "text").put("text", question);
        body.put("max_tokens", maxTokens);
        return body;
    }

    /** Sends every request once; {@code afterEach} hears the count of requests completed so far. */
    static Report run(ServeProcess server, List<? extends JsonNode> requests, int clients, IntConsumer afterEach) {
        Outcome[] outcomes = new Outcome[requests.size()];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicLong start = new AtomicLong(System.nanoTime());
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i; (i = next.getAndIncrement()) < requests.size(); ) {
                    long sent = System.nanoTime();
                    outcomes[i] = send(server, requests.get(i), sent);
                    afterEach.accept(done.incrementAndGet());
                }
            }));
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return new Report(outcomes, (System.nanoTime() - start.get()) / 1e9, clients);
    }

    private static Outcome send(ServeProcess server, JsonNode request, long sent) {
        try {
            HttpResponse<String> response = server.chat(request);
            double latencyMs = (System.nanoTime() - sent) / 1e6;
            if (response.statusCode() != 200) {
                return new Outcome(response.statusCode(), response.body(), 0, latencyMs);
            }
            JsonNode completion = ServeProcess.JSON.readTree(response.body());
            return new Outcome(200, completion.at("/choices/0/message/content").asText(), completion.at("/usage/completion_tokens").asInt(), latencyMs);
        } catch (IOException e) {
            return new Outcome(-1, e.toString(), 0, (System.nanoTime() - sent) / 1e6);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(-1, "interrupted", 0, 0);
        }
    }
}
