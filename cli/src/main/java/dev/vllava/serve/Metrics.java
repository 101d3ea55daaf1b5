package dev.vllava.serve;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/** What {@code GET /metrics} reports, in Prometheus' text format; updated by the handlers and the scheduler. */
final class Metrics {
    private static final double[] SECONDS = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
    /** Weight of the newest decode step in the smoothed tokens-per-second gauge. */
    private static final double SMOOTHING = 0.1;

    private final Map<Integer, LongAdder> requestsByStatus = new TreeMap<>();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder completionTokens = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder decodeSteps = new LongAdder();
    private final Histogram firstToken = new Histogram("vllava_time_to_first_token_seconds",
            "Seconds from a request's arrival to its first token (queueing, media, prefill).", SECONDS);
    private final Histogram duration = new Histogram("vllava_request_duration_seconds",
            "Seconds from a chat completion's arrival to its last byte.", SECONDS);
    private final Histogram batchSize = new Histogram("vllava_decode_batch_size",
            "Sequences in each decode step.", 1, 2, 4, 8, 16, 32, 64);
    private double tokensPerSecond;
    private final Map<String, Gauge> gauges = new TreeMap<>();

    /** A value read when the metrics are written (queue length, cache counts). */
    private record Gauge(String help, String type, LongSupplier value) {}

    /** A value kept elsewhere: a counter when its name ends in _total (the caches count their own hits), else a gauge. */
    synchronized void gauge(String name, String help, LongSupplier value) {
        gauges.put(name, new Gauge(help, name.endsWith("_total") ? "counter" : "gauge", value));
    }

    void request(int status, double seconds, int prompt, int completion) {
        synchronized (requestsByStatus) {
            requestsByStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
        }
        duration.observe(seconds);
        promptTokens.add(prompt);
        completionTokens.add(completion);
    }

    void firstToken(double seconds) {
        firstToken.observe(seconds);
    }

    void cancelled() {
        cancelled.increment();
    }

    synchronized void decodeStep(int rows, double seconds) {
        decodeSteps.increment();
        batchSize.observe(rows);
        double rate = rows / Math.max(seconds, 1e-9);
        tokensPerSecond = tokensPerSecond == 0 ? rate : (1 - SMOOTHING) * tokensPerSecond + SMOOTHING * rate;
    }

    String render() {
        StringBuilder out = new StringBuilder();
        out.append("# HELP vllava_requests_total Chat completion requests answered, by HTTP status.\n");
        out.append("# TYPE vllava_requests_total counter\n");
        synchronized (requestsByStatus) {
            requestsByStatus.forEach((status, count) ->
                    out.append("vllava_requests_total{status=\"").append(status).append("\"} ").append(count.sum()).append('\n'));
        }
        counter(out, "vllava_prompt_tokens_total", "Prompt tokens read (visual tokens included).", promptTokens.sum());
        counter(out, "vllava_completion_tokens_total", "Tokens generated.", completionTokens.sum());
        counter(out, "vllava_cancelled_total", "Requests whose client went away before the answer was complete.", cancelled.sum());
        counter(out, "vllava_decode_steps_total", "Batched decode steps run.", decodeSteps.sum());
        synchronized (this) {
            metric(out, "vllava_decode_tokens_per_second", "Tokens per second of recent decode steps (all sequences together, smoothed).",
                    "gauge", String.format(Locale.ROOT, "%.3f", tokensPerSecond));
            gauges.forEach((name, gauge) -> metric(out, name, gauge.help(), gauge.type(), Long.toString(gauge.value().getAsLong())));
        }
        firstToken.writeTo(out);
        duration.writeTo(out);
        batchSize.writeTo(out);
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        metric(out, name, help, "counter", Long.toString(value));
    }

    private static void metric(StringBuilder out, String name, String help, String type, String value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n').append(name).append(' ').append(value).append('\n');
    }
}
