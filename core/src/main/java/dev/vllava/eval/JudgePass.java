package dev.vllava.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.eval.judge.Judge;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Adds the judge's verdicts to a predictions file: every line with a prediction and an answer that has no
 * {@code judge_pred} yet is sent to the {@link Judge} ({@code --judge-concurrency} at a time), and gets
 * {@code judge_pred}, {@code judge_score}, {@code judge_model}, or a {@code judge_error} when the retries were
 * spent. Lines already judged are never sent again; failed ones are retried by the next pass.
 *
 * <p>Each verdict is appended to a journal beside the file ({@code PRED.jsonl.judge-journal}, forced to
 * disk, locked against a second pass) as soon as it arrives; at the end the file is rewritten with the
 * verdicts (temporary file and rename) and the journal deleted. A pass that is killed resumes from its
 * journal, so no verdict is asked twice. The lines keep their order and each verdict depends only on its
 * reply, so the file does not depend on the order in which concurrent replies arrive.
 */
public final class JudgePass {
    static final List<String> VERDICT_FIELDS = List.of("judge_pred", "judge_score", "judge_model", "judge_error");

    /**
     * @param asked lines sent to the judge by this pass
     * @param failed of those, lines left with a {@code judge_error}
     * @param kept lines judged before (in the file or in a killed pass's journal)
     */
    public record Summary(int asked, int failed, int kept) {}

    private JudgePass() {}

    /** The journal of a pass over {@code predictions}. */
    public static Path journalOf(Path predictions) {
        return predictions.resolveSibling(predictions.getFileName() + ".judge-journal");
    }

    /**
     * @param warnings receives one line per item the judge could not judge
     * @throws VllavaException (usage) when the endpoint refuses every request; the journal keeps what was
     *     judged
     */
    public static Summary run(Path predictions, Judge judge, Consumer<String> warnings) {
        List<ObjectNode> lines = PredictionLog.readLines(predictions);
        Path journalFile = journalOf(predictions);
        try (PredictionLog journal = PredictionLog.open(journalFile, true)) {
            Map<String, ObjectNode> journaled = judgedIn(PredictionLog.readLines(journalFile));
            List<Integer> todo = new ArrayList<>();
            int kept = 0;
            for (int i = 0; i < lines.size(); i++) {
                ObjectNode line = lines.get(i);
                if (!judgeable(line)) {
                    continue;
                }
                ObjectNode earlier = line.has("judge_pred") ? line : journaled.get(EvalItem.idText(line.get("id")));
                if (earlier != null) {
                    setVerdict(line, earlier);
                    kept++;
                } else {
                    todo.add(i);
                }
            }
            int failed = ask(lines, todo, judge, journal, warnings);
            Merge.write(predictions, lines);
            journal.close();
            Files.deleteIfExists(journalFile);
            return new Summary(todo.size(), failed, kept);
        } catch (IOException e) {
            throw VllavaException.usage("%s: cannot delete (%s)", journalFile, e.getMessage());
        }
    }

    /** Whether a line can be judged: a prediction, an answer and a question, and no error. */
    static boolean judgeable(JsonNode line) {
        return !PredictionLog.hasError(line) && isText(line.get("prediction")) && isText(line.get("answer"))
                && isText(line.get("question"));
    }

    private static boolean isText(JsonNode value) {
        return value != null && (value.isTextual() || value.isNumber() || value.isBoolean());
    }

    private static Map<String, ObjectNode> judgedIn(List<ObjectNode> journalLines) {
        Map<String, ObjectNode> judged = new HashMap<>();
        for (ObjectNode entry : journalLines) {
            if (entry.has("judge_pred")) {
                judged.put(EvalItem.idText(entry.get("id")), entry);
            }
        }
        return judged;
    }

    /** Judges the lines at {@code todo}, journaling each verdict; returns how many failed. */
    private static int ask(List<ObjectNode> lines, List<Integer> todo, Judge judge, PredictionLog journal,
            Consumer<String> warnings) {
        ExecutorService pool = Executors.newFixedThreadPool(judge.options().concurrency(),
                Thread.ofPlatform().name("vllava-judge-", 0).daemon().factory());
        try {
            List<Future<ObjectNode>> verdicts = new ArrayList<>();
            for (int index : todo) {
                ObjectNode line = lines.get(index);
                verdicts.add(pool.submit(() -> {
                    ObjectNode entry = verdictEntry(line, judge.judge(line.get("question").asText(),
                            line.get("answer").asText(), line.get("prediction").asText()));
                    journal.append(entry);
                    return entry;
                }));
            }
            int failed = 0;
            for (int k = 0; k < todo.size(); k++) {
                ObjectNode entry = await(verdicts.get(k));
                ObjectNode line = lines.get(todo.get(k));
                setVerdict(line, entry);
                if (entry.has("judge_error")) {
                    failed++;
                    warnings.accept("judge: item " + EvalItem.idText(line.get("id")) + ": "
                            + entry.get("judge_error").asText());
                }
            }
            return failed;
        } finally {
            pool.shutdownNow();
        }
    }

    private static ObjectNode verdictEntry(ObjectNode line, Judge.Outcome outcome) {
        ObjectNode entry = Jsonl.MAPPER.createObjectNode();
        entry.set("id", line.get("id"));
        if (outcome.verdict() != null) {
            entry.put("judge_pred", outcome.verdict().pred());
            entry.put("judge_score", outcome.verdict().score());
            entry.put("judge_model", outcome.model());
        } else {
            entry.put("judge_error", outcome.error());
        }
        return entry;
    }

    /** Replaces the line's verdict fields by those of {@code source}, in the fixed order of VERDICT_FIELDS. */
    private static void setVerdict(ObjectNode line, ObjectNode source) {
        List<JsonNode> values = VERDICT_FIELDS.stream().map(source::get).toList();
        VERDICT_FIELDS.forEach(line::remove);
        for (int f = 0; f < VERDICT_FIELDS.size(); f++) {
            if (values.get(f) != null) {
                line.set(VERDICT_FIELDS.get(f), values.get(f));
            }
        }
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VllavaException(Failure.INTERNAL, "interrupted while waiting for the judge", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new VllavaException(Failure.INTERNAL, "judging failed: " + e.getCause(), e.getCause());
        }
    }
}
