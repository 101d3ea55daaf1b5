package dev.vllava.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;

/**
 * Runs a benchmark: reads the questions, keeps this shard's items, skips the ids the output file already
 * holds, prepares media ahead on background threads (at most {@code prefetch} items in flight, results
 * taken in input order), asks the {@link Predictor} batch by batch, and appends one line per item.
 *
 * <p>Output lines are written in input order (a batch's lines after its prediction, in the batch's
 * order), so an interrupted run leaves a prefix of its items and a resumed run appends the rest: the
 * final file equals that of one uninterrupted run.
 *
 * <p>An item fails, and is written with an {@code error} while the run goes on, when it is malformed or
 * when the preparer or predictor throws a {@link VllavaException} of kind media, context overflow or
 * usage for it. Any other exception stops the run (see {@link Predictor}).
 */
public final class EvalRunner<M> {
    /** Fields the runner writes; copies of them in the input are replaced. */
    private static final List<String> OUTPUT_FIELDS = List.of("prediction", "token_ids", "parsed", "correct", "error");

    private final EvalOptions options;
    private final MediaPreparer<M> preparer;
    private final Predictor<M> predictor;
    private final ProgressListener listener;
    private final LongSupplier nanoTime;

    public EvalRunner(EvalOptions options, MediaPreparer<M> preparer, Predictor<M> predictor,
            ProgressListener listener) {
        this(options, preparer, predictor, listener, System::nanoTime);
    }

    EvalRunner(EvalOptions options, MediaPreparer<M> preparer, Predictor<M> predictor, ProgressListener listener,
            LongSupplier nanoTime) {
        this.options = options;
        this.preparer = preparer;
        this.predictor = predictor;
        this.listener = listener;
        this.nanoTime = nanoTime;
    }

    /** Whether a failure concerns one item (written as its error) rather than the whole run. */
    static boolean isItemFailure(VllavaException e) {
        return e.failure() == Failure.MEDIA || e.failure() == Failure.CONTEXT_OVERFLOW
                || e.failure() == Failure.USAGE;
    }

    /** A prepared item, or the reason it could not be prepared. */
    private record Outcome<M>(EvalItem item, PreparedItem<M> prepared, String error) {}

    public EvalSummary run() {
        try (PredictionLog log = PredictionLog.open(options.out(), options.fsync())) {
            return run(log);
        }
    }

    /**
     * Runs into a log the caller opened (and closes): {@code vllava eval} opens, and so locks, the
     * predictions file before it loads the model, so that a second run is refused at once. The metrics
     * are read through the log, under its lock.
     */
    public EvalSummary run(PredictionLog log) {
        long start = nanoTime.getAsLong();
        List<EvalItem> items = options.shard().select(Questions.read(options.questions(), options.answers(),
                options.format(), options.mediaRoot()));
        int processed = 0;
        int errors = 0;
        Set<String> done = log.doneIds();
        List<EvalItem> todo = items.stream().filter(item -> !done.contains(item.id())).toList();
        int skipped = items.size() - todo.size();
        listener.onProgress(new Progress(items.size(), skipped, 0, 0, 0));
        ExecutorService executor = Executors.newFixedThreadPool(options.prepareThreads(),
                Thread.ofPlatform().name("vllava-eval-prepare-", 0).daemon().factory());
        try {
            ArrayDeque<Future<Outcome<M>>> window = new ArrayDeque<>();
            Iterator<EvalItem> next = todo.iterator();
            fill(window, next, executor);
            while (!window.isEmpty()) {
                List<Outcome<M>> batch = new ArrayList<>();
                while (batch.size() < options.batchSize() && !window.isEmpty()) {
                    batch.add(await(window.removeFirst()));
                    fill(window, next, executor);
                }
                for (ObjectNode line : predictBatch(batch)) {
                    log.append(line);
                    processed++;
                    if (PredictionLog.hasError(line)) {
                        errors++;
                    }
                }
                listener.onProgress(new Progress(items.size(), skipped, processed, errors,
                        nanoTime.getAsLong() - start));
            }
        } finally {
            executor.shutdownNow();
        }
        Metrics metrics = Scorer.score(options.task(), log.lines(), log.file());
        return new EvalSummary(items.size(), skipped, processed, errors,
                Duration.ofNanos(nanoTime.getAsLong() - start), metrics);
    }

    private void fill(ArrayDeque<Future<Outcome<M>>> window, Iterator<EvalItem> next, ExecutorService executor) {
        while (window.size() < options.prefetch() && next.hasNext()) {
            EvalItem item = next.next();
            window.addLast(executor.submit(() -> prepare(item)));
        }
    }

    private Outcome<M> prepare(EvalItem item) {
        if (!item.valid()) {
            return new Outcome<>(item, null, item.problem());
        }
        if (options.task() == Task.CHOICE && item.options().isEmpty()) {
            return new Outcome<>(item, null, options.questions().getFileName() + ":" + item.lineNumber()
                    + ": no \"options\" for --task choice");
        }
        String prompt = TaskPrompts.prompt(item, options.task());
        try {
            M prepared = preparer.prepare(item, prompt);
            return new Outcome<>(item, new PreparedItem<>(item, prompt, item.media(), prepared), null);
        } catch (VllavaException e) {
            if (isItemFailure(e)) {
                return new Outcome<>(item, null, oneLine(e.getMessage()));
            }
            throw e;
        }
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VllavaException(Failure.INTERNAL, "interrupted while preparing media", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new VllavaException(Failure.INTERNAL, "preparing media failed: " + e.getCause(), e.getCause());
        }
    }

    /** Predicts the prepared items of a batch and returns the batch's output lines in its order. */
    private List<ObjectNode> predictBatch(List<Outcome<M>> batch) {
        List<PreparedItem<M>> ready = new ArrayList<>();
        for (Outcome<M> outcome : batch) {
            if (outcome.prepared() != null) {
                ready.add(outcome.prepared());
            }
        }
        List<Prediction> predictions = predict(ready);
        List<ObjectNode> lines = new ArrayList<>();
        int readyIndex = 0;
        for (Outcome<M> outcome : batch) {
            Prediction prediction = outcome.prepared() != null
                    ? predictions.get(readyIndex++) : Prediction.failed(outcome.error());
            lines.add(line(outcome.item(), prediction));
        }
        return lines;
    }

    /** Calls the predictor; when a batch fails for an item's sake, retries its items one by one. */
    private List<Prediction> predict(List<PreparedItem<M>> ready) {
        if (ready.isEmpty()) {
            return List.of();
        }
        try {
            List<Prediction> predictions = predictor.predict(ready);
            if (predictions.size() != ready.size()) {
                throw new VllavaException(Failure.INTERNAL, String.format(
                        "predictor returned %d predictions for %d items", predictions.size(), ready.size()));
            }
            return predictions;
        } catch (VllavaException e) {
            if (!isItemFailure(e)) {
                throw e;
            }
            if (ready.size() == 1) {
                return List.of(Prediction.failed(oneLine(e.getMessage())));
            }
            List<Prediction> oneByOne = new ArrayList<>();
            for (PreparedItem<M> item : ready) {
                oneByOne.addAll(predict(List.of(item)));
            }
            return oneByOne;
        }
    }

    private ObjectNode line(EvalItem item, Prediction prediction) {
        ObjectNode line = item.fields().deepCopy();
        OUTPUT_FIELDS.forEach(line::remove);
        if (prediction.failed()) {
            listener.onItemError(item, prediction.error());
            line.put("error", oneLine(prediction.error()));
            return line;
        }
        line.put("prediction", prediction.text());
        ArrayNode ids = line.putArray("token_ids");
        for (int id : prediction.tokenIds()) {
            ids.add(id);
        }
        Scorer.Judgement judgement = Scorer.judge(item, options.task(), prediction.text());
        if (options.task() != Task.OPEN) {
            line.put("parsed", judgement.parsed());
        }
        if (judgement.correct() != null) {
            line.put("correct", judgement.correct());
        }
        return line;
    }

    private static String oneLine(String message) {
        return message == null ? "unknown error" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
