package dev.vllava.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vllava.model.LoadedVideoLlava;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of {@code vllava serve}: JDK's built-in server with a virtual thread per exchange (a
 * request blocked on its generation costs no platform thread), OpenAI's routes, the API key check, and
 * readiness: it listens at once so {@code /health} can say "loading", and serves the API once
 * {@link #ready} has the model.
 * <pre>
 *   GET  /                     the page to try it
 *   GET  /health               200 when the model is loaded, else 503
 *   GET  /metrics              Prometheus text
 *   GET  /v1/models[/ID]       the one model
 *   POST /v1/chat/completions  OpenAI's chat completions, with image_url and video_url parts
 *   POST /vllava/frames        the frames the model sees of a medium (for the page)
 * </pre>
 */
public final class ChatServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChatServer.class);

    private final ServerSettings settings;
    private final HttpServer http;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final OpenAiJson json;
    private final Metrics metrics = new Metrics();
    private final byte[] page;
    private final Path scratch;
    private volatile Api api;
    private volatile boolean stopping;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** What exists once the model is loaded. */
    private record Api(ChatCompletions completions, FramesPreview frames, Scheduler scheduler) {}

    /** Binds {@code settings.host():port()} (port 0: any free port) and starts answering; the API answers 503 until {@link #ready}. */
    public ChatServer(ServerSettings settings, String modelId) throws IOException {
        this.settings = settings;
        this.json = new OpenAiJson(modelId, System.currentTimeMillis() / 1000);
        this.page = resource("page.html");
        this.scratch = Files.createTempDirectory("vllava-serve-");
        this.http = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 64);
        http.setExecutor(threads);
        http.createContext("/", this::dispatch);
        http.start();
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** Starts the scheduler on {@code pipeline}; from now on the API answers. */
    public void ready(LoadedVideoLlava pipeline) {
        EngineAdapter engine = new EngineAdapter(pipeline, settings.prefixCacheEntries());
        MediaFetcher media = new MediaFetcher(pipeline.mediaLoader().processor(), settings, scratch);
        int maxBatch = settings.maxBatch().orElse(pipeline.engine().rowIndependentMatmulRows());
        Scheduler scheduler = new Scheduler(engine, maxBatch, settings.maxQueue(), metrics);
        metrics.gauge("vllava_queue_length", "Requests waiting for a place in the batch.", scheduler::waiting);
        metrics.gauge("vllava_batch_size", "Sequences in the running decode batch.", scheduler::batchSize);
        metrics.gauge("vllava_media_cache_hits_total", "Media whose decoded frames were reused.", media.cache()::hits);
        metrics.gauge("vllava_media_cache_misses_total", "Media decoded.", media.cache()::misses);
        metrics.gauge("vllava_prefix_cache_hits_total", "Requests that reused a kept media prefix (no vision pass, no prefill of it).",
                engine::prefixHits);
        metrics.gauge("vllava_prefix_cache_misses_total", "Requests with media whose prefix was encoded and prefilled.", engine::prefixMisses);
        scheduler.start();
        api = new Api(new ChatCompletions(settings, new ChatRequestParser(json.model().get("id").asText()), media, scheduler, json, metrics),
                new FramesPreview(media, settings.maxBodyBytes()), scheduler);
    }

    /**
     * Graceful shutdown: refuse new work (503), close the listener, let the requests in flight finish for up to
     * the grace period (their responses written), then fail what is left and free the engine's memory (before
     * the caller closes the pipeline).
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopping = true;
        Api current = api;
        try {
            if (current != null) {
                current.scheduler().drain();
            }
            // returns as soon as no exchange is in progress (JDK 22+), else after the grace period
            http.stop((int) settings.shutdownGrace().toSeconds());
            if (current != null) {
                current.scheduler().shutdown(Duration.ZERO);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            threads.shutdownNow();
            deleteScratch();
        }
    }

    private void dispatch(HttpExchange http) {
        Exchange exchange = new Exchange(http);
        try {
            route(exchange);
        } catch (ApiException e) {
            sendQuietly(exchange, e);
        } catch (IOException e) {
            LOG.debug("{} {}: client gone: {}", exchange.method(), exchange.path(), e.toString());
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", exchange.method(), exchange.path(), e);
            sendQuietly(exchange, ApiException.internal("internal error: " + e));
        } finally {
            exchange.close();
        }
    }

    private void route(Exchange exchange) throws IOException {
        String path = exchange.path();
        switch (path) {
            case "/" -> {
                requireMethod(exchange, "GET");
                exchange.send(200, "text/html; charset=utf-8", page);
            }
            case "/health" -> {
                requireMethod(exchange, "GET");
                boolean ok = api != null && !stopping;
                ObjectNode status = OpenAiJson.MAPPER.createObjectNode().put("status", ok ? "ok" : stopping ? "stopping" : "loading");
                exchange.sendJson(ok ? 200 : 503, status);
            }
            case "/metrics" -> {
                requireMethod(exchange, "GET");
                exchange.send(200, "text/plain; version=0.0.4; charset=utf-8", metrics.render().getBytes(StandardCharsets.UTF_8));
            }
            case "/v1/models" -> {
                requireMethod(exchange, "GET");
                authorize(exchange);
                exchange.sendJson(200, json.models());
            }
            case "/v1/chat/completions" -> {
                requireMethod(exchange, "POST");
                authorize(exchange);
                requireReady().completions().handle(exchange);
            }
            case "/vllava/frames" -> {
                requireMethod(exchange, "POST");
                authorize(exchange);
                requireReady().frames().handle(exchange);
            }
            default -> {
                String modelId = json.model().get("id").asText();
                if (path.equals("/v1/models/" + modelId)) {
                    requireMethod(exchange, "GET");
                    authorize(exchange);
                    exchange.sendJson(200, json.model());
                } else if (path.startsWith("/v1/models/")) {
                    authorize(exchange);
                    throw ApiException.notFound("model_not_found", "The model '%s' does not exist.", path.substring("/v1/models/".length()));
                } else {
                    throw ApiException.notFound("not_found", "No route %s %s.", exchange.method(), path);
                }
            }
        }
    }

    private Api requireReady() {
        Api current = api;
        if (stopping) {
            throw ApiException.notReady("The server is shutting down.");
        }
        if (current == null) {
            throw ApiException.notReady("The model is still loading; retry when GET /health answers 200.");
        }
        return current;
    }

    /** {@code Authorization: Bearer KEY}, compared in constant time. */
    private void authorize(Exchange exchange) {
        if (settings.apiKey() == null) {
            return;
        }
        String header = exchange.header("Authorization");
        String given = header != null && header.startsWith("Bearer ") ? header.substring("Bearer ".length()).trim() : "";
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), settings.apiKey().getBytes(StandardCharsets.UTF_8))) {
            throw ApiException.unauthorized();
        }
    }

    private static void requireMethod(Exchange exchange, String method) {
        if (!exchange.method().equals(method)) {
            throw ApiException.methodNotAllowed(exchange.method(), exchange.path());
        }
    }

    private static void sendQuietly(Exchange exchange, ApiException error) {
        if (exchange.status() != 0) {
            return;
        }
        try {
            exchange.sendError(error);
        } catch (IOException e) {
            LOG.debug("client gone before the error reached it: {}", e.toString());
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = ChatServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void deleteScratch() {
        try (Stream<Path> files = Files.walk(scratch)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            LOG.debug("cannot remove {}: {}", scratch, e.toString());
        }
    }
}
