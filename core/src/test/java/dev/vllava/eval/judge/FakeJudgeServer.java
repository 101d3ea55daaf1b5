package dev.vllava.eval.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * A chat-completions endpoint on 127.0.0.1 for tests: each request is answered by a script that sees the
 * request and how many times this same user message was asked before (1 for the first time).
 */
public final class FakeJudgeServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the server answers: a status, a body, after a delay. */
    public record Response(int status, String body, long delayMillis) {
        public static Response ok(String content) {
            return new Response(200, completion(content, "judge-reported-name"), 0);
        }
    }

    /** Decides the answer to one request. */
    public interface Script {
        Response reply(JsonNode request, int attempt);
    }

    private final HttpServer server;
    private final Script script;
    private final List<JsonNode> requests = new ArrayList<>();
    private final List<String> authorizations = new ArrayList<>();
    private final Map<String, Integer> attempts = new HashMap<>();

    public FakeJudgeServer(Script script) throws IOException {
        this.script = script;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/v1/chat/completions", this::handle);
        server.start();
    }

    /** The API base to pass as {@code --judge}. */
    public URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
    }

    /** A chat-completions reply body with this content and model. */
    public static String completion(String content, String model) {
        ObjectNode body = JSON.createObjectNode().put("id", "chatcmpl-1").put("object", "chat.completion")
                .put("model", model);
        body.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop")
                .putObject("message").put("role", "assistant").put("content", content);
        return body.toString();
    }

    /** The predicted answer a request asks about (from its user message). */
    public static String predictionIn(JsonNode request) {
        String user = request.get("messages").get(1).get("content").asText();
        int start = user.indexOf("Predicted Answer: ") + "Predicted Answer: ".length();
        return user.substring(start, user.indexOf("\n\n", start));
    }

    public synchronized List<JsonNode> requests() {
        return List.copyOf(requests);
    }

    /** The Authorization header of each request ("" when absent). */
    public synchronized List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    private void handle(HttpExchange exchange) throws IOException {
        JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
        int attempt;
        synchronized (this) {
            requests.add(request);
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(authorization == null ? "" : authorization);
            attempt = attempts.merge(request.get("messages").get(1).get("content").asText(), 1, Integer::sum);
        }
        Response response = script.reply(request, attempt);
        try {
            Thread.sleep(response.delayMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        try {
            exchange.sendResponseHeaders(response.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException e) {
            // the client gave up waiting (a timeout test): nothing to answer
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
