package dev.vllava.eval.judge;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Asks the judge about one answer, retrying transient failures with exponential backoff, and returns the
 * verdict or why there is none. Thread-safe: the pass over a file calls it from
 * {@link JudgeOptions#concurrency()} threads.
 */
public final class Judge implements AutoCloseable {
    private static final Duration MAX_WAIT = Duration.ofMinutes(1);

    /**
     * The outcome for one answer: a verdict and the model the endpoint reported, or an error after the
     * retries were spent (or at once, for a request the endpoint rejected).
     */
    public record Outcome(Verdict verdict, String model, String error) {}

    private final JudgeOptions options;
    private final JudgeClient client;

    public Judge(JudgeOptions options) {
        this.options = options;
        this.client = new JudgeClient(options);
    }

    public JudgeOptions options() {
        return options;
    }

    /**
     * @throws VllavaException (usage) when the endpoint refuses every request (wrong key, URL or model) or
     *     cannot be connected to at all once the retries are spent
     */
    public Outcome judge(String question, String answer, String prediction) {
        var messages = JudgePrompt.messages(question, answer, prediction);
        String lastError = null;
        boolean unreachable = false;
        int attempts = options.retries() + 1;
        for (int attempt = 0; attempt < attempts; attempt++) {
            OptionalLong retryAfter = OptionalLong.empty();
            try {
                JudgeClient.Reply reply = client.ask(messages);
                Verdict verdict = Verdict.parse(reply.content());
                if (verdict != null) {
                    return new Outcome(verdict, reply.model(), null);
                }
                lastError = "unparseable reply: " + JudgeClient.excerpt(reply.content());
            } catch (JudgeClient.Transient e) {
                lastError = e.getMessage();
                retryAfter = e.retryAfterSeconds;
                unreachable = e.unreachable;
            } catch (JudgeClient.Rejected e) {
                return new Outcome(null, null, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VllavaException(Failure.INTERNAL, "interrupted while waiting for the judge", e);
            }
            if (attempt + 1 < attempts) {
                sleep(wait(attempt, retryAfter));
            }
        }
        if (unreachable) {
            // Every other item would wait through the same retries: stop instead (what was judged is kept).
            throw VllavaException.usage("judge %s unreachable after %d attempts: %s", options.baseUrl(), attempts,
                    lastError);
        }
        return new Outcome(null, null, lastError + " (" + attempts + (attempts == 1 ? " attempt)" : " attempts)"));
    }

    /** The backoff before retry {@code attempt + 1}: the server's Retry-After, else backoff * 2^attempt. */
    private Duration wait(int attempt, OptionalLong retryAfterSeconds) {
        Duration wait = retryAfterSeconds.isPresent()
                ? Duration.ofSeconds(retryAfterSeconds.getAsLong())
                : options.backoff().multipliedBy(1L << Math.min(attempt, 20));
        return wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VllavaException(Failure.INTERNAL, "interrupted while waiting to retry the judge", e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
