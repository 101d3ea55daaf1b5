package dev.vllava.serve;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One chat completion in flight, shared by the request's thread (which waits for its events and writes
 * them to the client) and the scheduler (which produces them). The scheduler never writes to a socket: a
 * slow client cannot stall the batch. The client side cancels by {@link #cancel}; the scheduler notices
 * before the next step, drops the sequence and frees its cache.
 */
final class Generation {
    /**
     * What the client hears: {@link Started} once the prompt is read, pieces of the answer, then exactly one
     * {@link Finished}; or {@link Failed} at any point.
     */
    sealed interface Event permits Started, Delta, Finished, Failed {}

    /** The prompt ({@code promptTokens} long, visual tokens included) is read and the first token chosen: a stream can begin. */
    record Started(int promptTokens) implements Event {}

    record Delta(String text) implements Event {}

    /** @param finishReason OpenAI's "stop" (end of sequence or a stop string) or "length" */
    record Finished(String finishReason, int promptTokens, int completionTokens) implements Event {}

    record Failed(ApiException error) implements Event {}

    final String id;
    final ChatRequest request;
    final List<Medium> media;
    final long arrivalNanos;
    final long deadlineNanos;
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;
    /** Set by the scheduler when the prefill's first token is chosen (time to first token). */
    volatile long firstTokenNanos;

    Generation(String id, ChatRequest request, List<Medium> media, long arrivalNanos, long timeoutNanos) {
        this.id = id;
        this.request = request;
        this.media = media;
        this.arrivalNanos = arrivalNanos;
        this.deadlineNanos = arrivalNanos + timeoutNanos;
    }

    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    boolean expired(long now) {
        return now - deadlineNanos > 0;
    }

    void emit(Event event) {
        events.add(event);
    }

    /**
     * The next event, waiting at most {@code maxWaitNanos} and never past the deadline plus {@code graceNanos}
     * (time for the scheduler to report the timeout itself); null when none came.
     */
    Event next(long maxWaitNanos, long graceNanos) throws InterruptedException {
        long wait = Math.min(maxWaitNanos, deadlineNanos + graceNanos - System.nanoTime());
        return events.poll(Math.max(0, wait), TimeUnit.NANOSECONDS);
    }
}
