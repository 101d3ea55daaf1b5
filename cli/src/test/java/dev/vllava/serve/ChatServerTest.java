package dev.vllava.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server before its model is loaded: it listens, says so, and refuses the API with 503. */
class ChatServerTest {
    private ChatServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void listen() throws IOException {
        ServerSettings settings = new ServerSettings("127.0.0.1", 0, null, "secret", OptionalInt.of(1), 1, Duration.ofSeconds(5),
                1 << 20, 1 << 20, 60, 8, 1, 1, Duration.ZERO);
        server = new ChatServer(settings, "demo");
    }

    @AfterEach
    void close() {
        server.close();
    }

    private HttpResponse<String> send(String method, String path, String body, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthIs503WhileTheModelLoads() throws Exception {
        HttpResponse<String> health = send("GET", "/health", null, null);
        assertEquals(503, health.statusCode());
        assertTrue(health.body().contains("loading"), health.body());
    }

    @Test
    void chatCompletionsAre503WhileTheModelLoads() throws Exception {
        HttpResponse<String> response = send("POST", "/v1/chat/completions", "{}", "secret");
        assertEquals(503, response.statusCode());
        assertEquals("not_ready", OpenAiJson.MAPPER.readTree(response.body()).at("/error/code").asText());
    }

    @Test
    void aMissingOrWrongKeyIs401BeforeAnythingElse() throws Exception {
        assertEquals(401, send("POST", "/v1/chat/completions", "{}", null).statusCode());
        HttpResponse<String> wrong = send("GET", "/v1/models", null, "guess");
        assertEquals(401, wrong.statusCode());
        assertEquals("invalid_api_key", OpenAiJson.MAPPER.readTree(wrong.body()).at("/error/code").asText());
        assertEquals(200, send("GET", "/v1/models", null, "secret").statusCode());
    }

    @Test
    void unknownRoutesAre404AndWrongMethods405() throws Exception {
        assertEquals(404, send("GET", "/v2/anything", null, "secret").statusCode());
        assertEquals(404, send("GET", "/v1/models/other", null, "secret").statusCode());
        assertEquals(405, send("GET", "/v1/chat/completions", null, "secret").statusCode());
    }

    @Test
    void thePageIsServedWithoutExternalAssets() throws Exception {
        HttpResponse<String> page = send("GET", "/", null, null);
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("/v1/chat/completions"));
        assertTrue(!page.body().contains("http://") && !page.body().contains("https://"), "no external URLs on the page");
    }
}
