package dev.vllava.serve;

import dev.vllava.tokenizer.StreamingDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching on one thread that owns the engine. Each turn of the loop admits at most one waiting
 * request (its prefill and first token), then runs one decode step for every running sequence together; a
 * sequence leaves the batch the moment it finishes, is cancelled or runs out of time, and its KV cache is
 * freed. Admitting one prefill per step keeps the running streams flowing while new requests join.
 */
final class Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
    private static final long IDLE_POLL_MS = 100;

    private final EngineAdapter engine;
    private final int maxBatch;
    private final Metrics metrics;
    private final LinkedBlockingQueue<Generation> waiting;
    private final List<Running> running = new ArrayList<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean draining;
    private volatile boolean aborting;
    private volatile int batchSize;

    /** A running sequence with its detokenizer and stop-string matcher. */
    private record Running(Generation generation, EngineAdapter.Sequence sequence, StreamingDecoder text, StopMatcher stop) {}

    Scheduler(EngineAdapter engine, int maxBatch, int maxQueue, Metrics metrics) {
        this.engine = engine;
        this.maxBatch = maxBatch;
        this.metrics = metrics;
        this.waiting = new LinkedBlockingQueue<>(maxQueue);
    }

    void start() {
        Thread.ofPlatform().name("vllava-scheduler").start(this::loop);
    }

    /** Queues a request; 429 when the queue is full, 503 once shutdown has begun. */
    void submit(Generation generation) {
        if (draining) {
            throw ApiException.notReady("The server is shutting down.");
        }
        if (!waiting.offer(generation)) {
            throw ApiException.queueFull(waiting.size());
        }
    }

    int waiting() {
        return waiting.size();
    }

    int batchSize() {
        return batchSize;
    }

    /** Stops taking requests; the accepted ones go on. */
    void drain() {
        draining = true;
    }

    /**
     * Stops taking requests, lets the accepted ones finish for up to {@code grace}, then fails what is left
     * and frees the engine's memory. Returns once the scheduler thread has ended.
     */
    void shutdown(Duration grace) throws InterruptedException {
        draining = true;
        if (!finished.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            aborting = true;
            finished.await();
        }
    }

    private void loop() {
        try {
            while (!aborting && !(draining && waiting.isEmpty() && running.isEmpty())) {
                if (running.size() < maxBatch) {
                    Generation next = running.isEmpty() ? waiting.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS) : waiting.poll();
                    if (next != null) {
                        admit(next);
                    }
                }
                retireCancelledAndExpired();
                if (!running.isEmpty()) {
                    step();
                }
                batchSize = running.size();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("scheduler stopped", e);
        } finally {
            failEverything(ApiException.notReady("The server is shutting down."));
            engine.close();
            finished.countDown();
        }
    }

    /** Prefill and first token of one waiting request; it joins the batch unless it is already complete. */
    private void admit(Generation generation) {
        long now = System.nanoTime();
        if (generation.cancelled()) {
            return;
        }
        if (generation.expired(now)) {
            generation.emit(new Generation.Failed(ApiException.timeout(timeoutSeconds(generation))));
            return;
        }
        EngineAdapter.Sequence sequence;
        try {
            ChatRequest request = generation.request;
            sequence = engine.start(request.prompt(), generation.media, request.maxTokens(), request.sampling());
        } catch (ApiException e) {
            generation.emit(new Generation.Failed(e));
            return;
        } catch (RuntimeException e) {
            LOG.error("prefill of {} failed", generation.id, e);
            generation.emit(new Generation.Failed(ApiException.internal("the prefill failed: " + e.getMessage())));
            return;
        }
        generation.firstTokenNanos = System.nanoTime();
        generation.emit(new Generation.Started(sequence.promptTokens()));
        metrics.firstToken((generation.firstTokenNanos - generation.arrivalNanos) / 1e9);
        Running entry = new Running(generation, sequence, engine.textDecoder(), new StopMatcher(generation.request.stop()));
        if (!accept(entry, sequence.lastToken())) {
            running.add(entry);
        }
    }

    /** One batched decode step; sequences that finish leave the batch. */
    private void step() {
        long start = System.nanoTime();
        List<EngineAdapter.Sequence> sequences = running.stream().map(Running::sequence).toList();
        try {
            engine.step(sequences);
        } catch (RuntimeException e) {
            LOG.error("decode step failed", e);
            failRunning(ApiException.internal("the decode step failed: " + e.getMessage()));
            return;
        }
        metrics.decodeStep(running.size(), (System.nanoTime() - start) / 1e9);
        running.removeIf(entry -> accept(entry, entry.sequence().lastToken()));
    }

    /** Sends what {@code token} adds to the answer; true when the answer is complete (and its cache freed). */
    private boolean accept(Running entry, int token) {
        Generation generation = entry.generation();
        String piece = entry.text().accept(token);
        if (engine.isEndOfSequence(token)) {
            return finish(entry, piece, "stop");
        }
        if (entry.sequence().atTokenLimit()) {
            return finish(entry, piece, "length");
        }
        send(generation, entry.stop().accept(piece));
        return entry.stop().stopped() && finish(entry, "", "stop");
    }

    private boolean finish(Running entry, String piece, String reason) {
        StopMatcher stop = entry.stop();
        if (!stop.stopped()) {
            send(entry.generation(), stop.accept(piece + entry.text().flush()));
            send(entry.generation(), stop.flush());
        }
        EngineAdapter.Sequence sequence = entry.sequence();
        sequence.close();
        entry.generation().emit(new Generation.Finished(stop.stopped() ? "stop" : reason, sequence.promptTokens(), sequence.generated()));
        return true;
    }

    private static void send(Generation generation, String text) {
        if (!text.isEmpty()) {
            generation.emit(new Generation.Delta(text));
        }
    }

    private void retireCancelledAndExpired() {
        long now = System.nanoTime();
        for (Iterator<Running> it = running.iterator(); it.hasNext(); ) {
            Running entry = it.next();
            Generation generation = entry.generation();
            if (generation.cancelled() || generation.expired(now)) {
                entry.sequence().close();
                it.remove();
                if (generation.cancelled()) {
                    metrics.cancelled();
                } else {
                    generation.emit(new Generation.Failed(ApiException.timeout(timeoutSeconds(generation))));
                }
            }
        }
    }

    private void failRunning(ApiException error) {
        running.forEach(entry -> {
            entry.sequence().close();
            entry.generation().emit(new Generation.Failed(error));
        });
        running.clear();
    }

    private void failEverything(ApiException error) {
        failRunning(error);
        Generation generation;
        while ((generation = waiting.poll()) != null) {
            generation.emit(new Generation.Failed(error));
        }
        batchSize = 0;
    }

    private static long timeoutSeconds(Generation generation) {
        return Math.round((generation.deadlineNanos - generation.arrivalNanos) / 1e9);
    }
}
