package dev.vllava.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** One HTTP exchange with the few ways the server answers: JSON, text, an OpenAI error, or a stream of server-sent events. */
final class Exchange {
    private final HttpExchange http;
    private int status;
    private OutputStream events;

    Exchange(HttpExchange http) {
        this.http = http;
    }

    String method() {
        return http.getRequestMethod();
    }

    String path() {
        return http.getRequestURI().getPath();
    }

    String header(String name) {
        return http.getRequestHeaders().getFirst(name);
    }

    /** The status sent (0 while nothing has been). */
    int status() {
        return status;
    }

    /** The body as JSON, refusing more than {@code maxBytes} (413) and anything that is not JSON (400). */
    JsonNode readJson(long maxBytes) throws IOException {
        String length = header("Content-Length");
        byte[] body;
        try (InputStream in = http.getRequestBody()) {
            if (length != null && parseLength(length) > maxBytes) {
                refuseOversized(in, maxBytes);
                throw ApiException.tooLarge("the request body is %s bytes; this server takes at most %d", length, maxBytes);
            }
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (body.length > maxBytes) {
                refuseOversized(in, maxBytes);
                throw ApiException.tooLarge("the request body exceeds %d bytes", maxBytes);
            }
        }
        try {
            JsonNode json = OpenAiJson.MAPPER.readTree(body);
            if (json == null) {
                throw ApiException.badRequest(null, "the request body is empty; send a JSON object");
            }
            return json;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(null, "the request body is not valid JSON: %s", e.getOriginalMessage());
        }
    }

    void sendJson(int status, JsonNode body) throws IOException {
        send(status, "application/json", OpenAiJson.MAPPER.writeValueAsBytes(body));
    }

    void sendError(ApiException error) throws IOException {
        if (error.status() == 429) {
            http.getResponseHeaders().set("Retry-After", "1");
        }
        if (error.status() == 401) {
            http.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        }
        sendJson(error.status(), OpenAiJson.error(error));
    }

    void send(int status, String contentType, byte[] body) throws IOException {
        this.status = status;
        http.getResponseHeaders().set("Content-Type", contentType);
        http.getResponseHeaders().set("Cache-Control", "no-store");
        http.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = http.getResponseBody()) {
            out.write(body);
        }
    }

    /** Starts a 200 {@code text/event-stream} response (chunked); then {@link #event} for each event. */
    void startEvents() throws IOException {
        status = 200;
        http.getResponseHeaders().set("Content-Type", "text/event-stream");
        http.getResponseHeaders().set("Cache-Control", "no-store");
        http.getResponseHeaders().set("X-Accel-Buffering", "no");
        http.sendResponseHeaders(200, 0);
        events = http.getResponseBody();
    }

    /** {@code data: <payload>\n\n}, flushed at once; an IOException means the client has gone. */
    void event(String payload) throws IOException {
        events.write(("data: " + payload + "\n\n").getBytes(StandardCharsets.UTF_8));
        events.flush();
    }

    /** {@code : <text>\n\n}: an SSE comment, which clients ignore. */
    void comment(String text) throws IOException {
        events.write((": " + text + "\n\n").getBytes(StandardCharsets.UTF_8));
        events.flush();
    }

    void close() {
        http.close();
    }

    /**
     * Before a 413: reads and drops up to {@code maxBytes} more of the body and asks to close the connection.
     * A server that answers while the client is still sending and then closes makes the kernel reset the
     * connection, and the reset can destroy the answer before the client reads it; a body beyond twice the
     * limit is not read (the read stays bounded) and that client may see the reset instead.
     */
    private void refuseOversized(InputStream body, long maxBytes) throws IOException {
        http.getResponseHeaders().set("Connection", "close");
        long left = maxBytes;
        byte[] sink = new byte[64 * 1024];
        for (int n; left > 0 && (n = body.read(sink, 0, (int) Math.min(sink.length, left))) > 0; ) {
            left -= n;
        }
    }

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(null, "Content-Length is not a number: %s", value);
        }
    }
}
