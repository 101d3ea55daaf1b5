package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code vllava serve} run from the built jar on a free loopback port (--port 0; the port is read from its
 * "listening on" line), ready once {@code /health} answers 200. Stopped with SIGTERM, as a service manager would.
 */
final class ServeProcess implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/");
    private static final long START_SECONDS = 180;

    final Process process;
    final URI base;
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    /** stderr lines, appended by a reader thread. */
    private final List<String> lines;

    private final Thread stderrReader;

    private ServeProcess(Process process, int port, List<String> lines, Thread stderrReader) {
        this.process = process;
        this.base = URI.create("http://127.0.0.1:" + port);
        this.lines = lines;
        this.stderrReader = stderrReader;
    }

    static ServeProcess start(Map<String, String> environment, String... args) {
        List<String> command = new ArrayList<>(CliProcess.command("serve", "--host", "127.0.0.1", "--port", "0"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(CliProcess.HOME.toFile());
        builder.environment().remove("VLLAVA_MODEL");
        builder.environment().putAll(environment);
        Process process;
        try {
            process = builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CompletableFuture<Integer> port = new CompletableFuture<>();
        List<String> lines = new ArrayList<>();
        Thread stderrReader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                    Matcher listening = LISTENING.matcher(line);
                    if (listening.find()) {
                        port.complete(Integer.parseInt(listening.group(1)));
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            port.completeExceptionally(new IllegalStateException("vllava serve ended before listening: " + String.join("\n", lines)));
        });
        ServeProcess server;
        try {
            server = new ServeProcess(process, port.get(START_SECONDS, TimeUnit.SECONDS), lines, stderrReader);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("vllava serve did not start: " + e.getMessage(), e);
        }
        server.awaitHealthy();
        return server;
    }

    /** stderr so far. */
    List<String> stderrLines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    private void awaitHealthy() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (System.nanoTime() < deadline) {
            try {
                if (get("/health").statusCode() == 200) {
                    return;
                }
                Thread.sleep(100);
            } catch (IOException e) {
                // not accepting yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (!process.isAlive()) {
                break;
            }
        }
        close();
        fail("vllava serve never became healthy:\n" + String.join("\n", stderrLines()));
    }

    HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofMinutes(5))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> chat(JsonNode body, String... headers) throws IOException, InterruptedException {
        return post("/v1/chat/completions", JSON.writeValueAsString(body), headers);
    }

    /** A metric's value from {@code /metrics} (the first sample whose name and labels match). */
    double metric(String sample) throws IOException, InterruptedException {
        for (String line : get("/metrics").body().lines().toList()) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1));
            }
        }
        return Double.NaN;
    }

    /** Resident memory of the server process, from /proc. */
    long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return -1;
    }

    /** Sends SIGTERM, as a service manager stops a service (Process.destroy would also close our end of its stderr). */
    void sigterm() {
        process.toHandle().destroy();
    }

    /** SIGTERM, then the exit code once it has finished (fails the test after a minute). */
    int terminate() throws InterruptedException {
        sigterm();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("vllava serve did not stop within 60 s of SIGTERM");
        }
        stderrReader.join(10_000); // the last lines
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
