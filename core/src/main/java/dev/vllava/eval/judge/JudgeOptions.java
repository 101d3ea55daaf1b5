package dev.vllava.eval.judge;

import dev.vllava.VllavaException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * Where and how to ask the judge.
 *
 * @param baseUrl the base of an OpenAI-compatible API ({@code http://127.0.0.1:8080/v1}); requests go to
 *     {@code baseUrl/chat/completions}
 * @param model the model name sent with each request
 * @param apiKey sent as a bearer token; null for local servers. Never printed or written.
 * @param retries further attempts after a transient failure (429, 5xx, timeout, connection error,
 *     unparseable reply)
 * @param concurrency requests in flight at once
 * @param timeout per request
 * @param backoff the wait before the first retry; it doubles with each retry (at most a minute), and a
 *     server's {@code Retry-After} is honoured up to that minute
 */
public record JudgeOptions(URI baseUrl, String model, String apiKey, int retries, int concurrency, Duration timeout,
        Duration backoff) {

    /** The environment variables the key is read from, first found wins. */
    public static final String[] KEY_VARIABLES = {"VLLAVA_JUDGE_KEY", "OPENAI_API_KEY"};

    public JudgeOptions {
        if (model == null || model.isBlank()) {
            throw VllavaException.usage("--judge needs --judge-model NAME (the model the endpoint serves)");
        }
        if (retries < 0) {
            throw VllavaException.usage("--judge-retries must be 0 or more, got %d", retries);
        }
        if (concurrency < 1) {
            throw VllavaException.usage("--judge-concurrency must be at least 1, got %d", concurrency);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw VllavaException.usage("--judge-timeout must be positive");
        }
    }

    /** Parses the {@code --judge} URL: an absolute http or https URL. */
    public static URI parseUrl(String text) {
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (java.net.URISyntaxException e) {
            uri = null;
        }
        String scheme = uri == null ? null : uri.getScheme();
        if (uri == null || uri.getHost() == null || scheme == null
                || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            throw VllavaException.usage("--judge %s: expected an http(s) URL such as http://127.0.0.1:8080/v1", text);
        }
        return uri;
    }

    /** The key from {@link #KEY_VARIABLES}, or null when none is set. */
    public static String keyFrom(Map<String, String> environment) {
        for (String variable : KEY_VARIABLES) {
            String key = environment.get(variable);
            if (key != null && !key.isBlank()) {
                return key.strip();
            }
        }
        return null;
    }

    /** The chat-completions endpoint under the base URL. */
    URI chatCompletions() {
        String base = baseUrl.toString();
        return URI.create((base.endsWith("/") ? base : base + "/") + "chat/completions");
    }
}
