package dev.vllava.serve;

import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /v1/chat/completions} on the request's own (virtual) thread: parse, fetch and decode the media,
 * queue the generation, then write its events as one JSON response or as server-sent events. A client that
 * goes away mid-stream cancels its generation (it leaves the batch at the next step).
 */
final class ChatCompletions {
    /** Extra wait past a request's deadline for the scheduler's own timeout event. */
    private static final long DEADLINE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
    /**
     * A stream with nothing to send for this long gets an SSE comment line (clients skip it): writing is the
     * only way to learn that the client has gone, so even an answer whose tokens have no text yet is cancelled promptly.
     */
    private static final long HEARTBEAT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ServerSettings settings;
    private final ChatRequestParser parser;
    private final MediaFetcher media;
    private final Scheduler scheduler;
    private final OpenAiJson json;
    private final Metrics metrics;

    ChatCompletions(ServerSettings settings, ChatRequestParser parser, MediaFetcher media, Scheduler scheduler, OpenAiJson json,
            Metrics metrics) {
        this.settings = settings;
        this.parser = parser;
        this.media = media;
        this.scheduler = scheduler;
        this.json = json;
        this.metrics = metrics;
    }

    /** What one request came to, for the log line and the metrics. */
    private static final class Outcome {
        boolean streamed;
        boolean clientGone;
        int promptTokens;
        Generation.Finished finished;
        Generation generation;
    }

    void handle(Exchange exchange) throws IOException {
        long arrival = System.nanoTime();
        String id = "chatcmpl-" + HexFormat.of().formatHex(randomBytes());
        Outcome outcome = new Outcome();
        try {
            ChatRequest request = parser.parse(exchange.readJson(settings.maxBodyBytes()));
            List<Medium> decoded = request.media().stream().map(media::fetch).toList();
            Generation generation = new Generation(id, request, decoded, arrival, settings.requestTimeout().toNanos());
            outcome.generation = generation;
            outcome.streamed = request.stream();
            scheduler.submit(generation);
            if (request.stream()) {
                stream(exchange, generation, outcome);
            } else {
                respond(exchange, generation, outcome);
            }
        } catch (ApiException e) {
            if (exchange.status() == 0) {
                exchange.sendError(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (outcome.generation != null && outcome.finished == null) {
                outcome.generation.cancel();
            }
            record(id, exchange.status(), arrival, outcome);
        }
    }

    private void respond(Exchange exchange, Generation generation, Outcome outcome) throws IOException, InterruptedException {
        StringBuilder content = new StringBuilder();
        long created = System.currentTimeMillis() / 1000;
        while (true) {
            switch (next(generation)) {
                case Generation.Started started -> outcome.promptTokens = started.promptTokens();
                case Generation.Delta delta -> content.append(delta.text());
                case Generation.Finished finished -> {
                    outcome.finished = finished;
                    exchange.sendJson(200, json.completion(generation.id, created, content.toString(), finished));
                    return;
                }
                case Generation.Failed failed -> throw failed.error();
            }
        }
    }

    /**
     * Headers wait for the prefill ({@link Generation.Started}), so a request the engine refuses (a prompt too
     * long for the context) still gets its error status; after that, failures arrive as an error event.
     */
    private void stream(Exchange exchange, Generation generation, Outcome outcome) throws IOException, InterruptedException {
        Generation.Event event = next(generation);
        if (event instanceof Generation.Failed failed) {
            throw failed.error();
        }
        long created = System.currentTimeMillis() / 1000;
        exchange.startEvents();
        try {
            exchange.event(text(json.chunk(generation.id, created, "assistant", "", null)));
            while (true) {
                switch (event) {
                    case Generation.Started started -> outcome.promptTokens = started.promptTokens();
                    case Generation.Delta delta -> exchange.event(text(json.chunk(generation.id, created, null, delta.text(), null)));
                    case Generation.Finished finished -> {
                        outcome.finished = finished;
                        exchange.event(text(json.chunk(generation.id, created, null, null, finished.finishReason())));
                        if (generation.request.includeUsage()) {
                            exchange.event(text(json.usageChunk(generation.id, created, finished)));
                        }
                        exchange.event("[DONE]");
                        return;
                    }
                    case Generation.Failed failed -> {
                        exchange.event(text(OpenAiJson.error(failed.error())));
                        exchange.event("[DONE]");
                        return;
                    }
                }
                event = nextWithHeartbeats(exchange, generation);
            }
        } catch (IOException e) {
            outcome.clientGone = true; // the caller's finally cancels the generation
        }
    }

    /** The next event; a timeout error when none comes before the request's deadline. */
    private static Generation.Event next(Generation generation) throws InterruptedException {
        Generation.Event event = generation.next(Long.MAX_VALUE, DEADLINE_GRACE_NANOS);
        if (event == null) {
            throw timeout(generation);
        }
        return event;
    }

    /** The next event of a stream, with a heartbeat comment each second of silence; a timeout becomes a failure event. */
    private static Generation.Event nextWithHeartbeats(Exchange exchange, Generation generation) throws IOException, InterruptedException {
        while (true) {
            Generation.Event event = generation.next(HEARTBEAT_NANOS, DEADLINE_GRACE_NANOS);
            if (event != null) {
                return event;
            }
            if (System.nanoTime() - (generation.deadlineNanos + DEADLINE_GRACE_NANOS) >= 0) {
                return new Generation.Failed(timeout(generation));
            }
            exchange.comment("keep-alive");
        }
    }

    private static ApiException timeout(Generation generation) {
        generation.cancel();
        return ApiException.timeout(Math.round((generation.deadlineNanos - generation.arrivalNanos) / 1e9));
    }

    /** One line per request on stderr, and the request metrics. */
    private void record(String id, int status, long arrival, Outcome outcome) {
        double seconds = (System.nanoTime() - arrival) / 1e9;
        Generation.Finished finished = outcome.finished;
        int prompt = finished == null ? outcome.promptTokens : finished.promptTokens();
        int completion = finished == null ? 0 : finished.completionTokens();
        metrics.request(status, seconds, prompt, completion);
        long firstToken = outcome.generation == null ? 0 : outcome.generation.firstTokenNanos;
        String ttft = firstToken == 0 ? "-" : String.format(Locale.ROOT, "%.0f", (firstToken - arrival) / 1e6);
        System.err.printf(Locale.ROOT, "vllava serve: %s %d%s prompt_tokens=%d completion_tokens=%d ttft_ms=%s total_ms=%.0f%s%n",
                id, status, outcome.streamed ? " stream" : "", prompt, completion, ttft, seconds * 1000,
                outcome.clientGone ? " client_gone" : finished == null ? "" : " finish=" + finished.finishReason());
    }

    private static String text(Object node) throws IOException {
        return OpenAiJson.MAPPER.writeValueAsString(node);
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[12];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
