package dev.vllava.eval.judge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;

/**
 * One chat-completions request to an OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp's server,
 * ollama): the judge messages at temperature 0, the reply's text and the model name the endpoint reports.
 * Failures are sorted for the caller: {@link Transient} (429, 5xx, timeouts, connection errors: worth a
 * retry), {@link Rejected} (this request was refused, e.g. 400: not worth one), and a usage
 * {@link VllavaException} for refusals that concern every request (401, 403, 404: a wrong key, URL or
 * model), which stop the judging.
 */
final class JudgeClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EXCERPT = 200;

    /** The judge's reply text and the model that wrote it. */
    record Reply(String content, String model) {}

    /**
     * A failure that may pass: retry after {@code retryAfterSeconds} if the server gave one.
     * {@code unreachable}: no connection could be made at all (refused, unknown host).
     */
    static final class Transient extends Exception {
        final OptionalLong retryAfterSeconds;
        final boolean unreachable;

        Transient(String message, OptionalLong retryAfterSeconds) {
            this(message, retryAfterSeconds, false);
        }

        Transient(String message, OptionalLong retryAfterSeconds, boolean unreachable) {
            super(message);
            this.retryAfterSeconds = retryAfterSeconds;
            this.unreachable = unreachable;
        }
    }

    /** The endpoint refused this one request. */
    static final class Rejected extends Exception {
        Rejected(String message) {
            super(message);
        }
    }

    private final JudgeOptions options;
    private final HttpClient http;

    JudgeClient(JudgeOptions options) {
        this.options = options;
        this.http = HttpClient.newBuilder().connectTimeout(options.timeout()).build();
    }

    Reply ask(List<JudgePrompt.Message> messages) throws Transient, Rejected, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(options.chatCompletions())
                .timeout(options.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(messages), StandardCharsets.UTF_8));
        if (options.apiKey() != null) {
            request.header("Authorization", "Bearer " + options.apiKey());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new Transient("no reply within " + options.timeout().toMillis() / 1000.0 + " s", OptionalLong.empty());
        } catch (ConnectException e) {
            throw new Transient("cannot connect: " + e, OptionalLong.empty(), true);
        } catch (IOException e) {
            throw new Transient("request failed: " + e, OptionalLong.empty());
        }
        int status = response.statusCode();
        if (status == 429 || status == 408 || status >= 500) {
            throw new Transient("HTTP " + status + ": " + excerpt(response.body()), retryAfter(response));
        }
        if (status == 401 || status == 403 || status == 404) {
            throw VllavaException.usage("judge %s refused the request: HTTP %d %s (check --judge, --judge-model "
                    + "and the key in VLLAVA_JUDGE_KEY or OPENAI_API_KEY)", options.chatCompletions(), status,
                    excerpt(response.body()));
        }
        if (status / 100 != 2) {
            throw new Rejected("HTTP " + status + ": " + excerpt(response.body()));
        }
        return reply(response.body());
    }

    private String body(List<JudgePrompt.Message> messages) {
        ObjectNode body = JSON.createObjectNode().put("model", options.model());
        ArrayNode array = body.putArray("messages");
        for (JudgePrompt.Message message : messages) {
            array.addObject().put("role", message.role()).put("content", message.content());
        }
        body.put("temperature", 0);
        return body.toString();
    }

    private Reply reply(String body) throws Transient {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new Transient("reply is not JSON: " + excerpt(body), OptionalLong.empty());
        }
        JsonNode content = json.path("choices").path(0).path("message").path("content");
        if (!content.isTextual()) {
            throw new Transient("reply has no choices[0].message.content: " + excerpt(body), OptionalLong.empty());
        }
        JsonNode model = json.get("model");
        return new Reply(content.asText(), model != null && model.isTextual() ? model.asText() : options.model());
    }

    private static OptionalLong retryAfter(HttpResponse<?> response) {
        try {
            return response.headers().firstValue("Retry-After").map(v -> OptionalLong.of(Long.parseLong(v.strip())))
                    .orElse(OptionalLong.empty());
        } catch (NumberFormatException e) {
            return OptionalLong.empty(); // an HTTP date: use our own backoff
        }
    }

    static String excerpt(String text) {
        String line = text.replaceAll("\\s+", " ").strip();
        return line.length() <= EXCERPT ? line : line.substring(0, EXCERPT) + "...";
    }

    @Override
    public void close() {
        http.close();
    }

}
