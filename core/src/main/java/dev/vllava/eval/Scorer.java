package dev.vllava.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Judges predictions against answers and aggregates the paper's metrics per task:
 * <ul>
 *   <li>{@code open}: exact match after {@link Answers#normalize} of both sides. The Video-LLaVA paper's
 *       open-ended video QA numbers (MSVD-QA, MSRVTT-QA, TGIF-QA, ActivityNet-QA) were judged by GPT-3.5
 *       (accuracy and a 0-5 score); we call no external judge, so our accuracy is a stricter, reproducible
 *       proxy and is not comparable to those tables.
 *   <li>{@code yesno}: POPE's accuracy, precision, recall, F1 (yes is positive) and yes-ratio, with the
 *       prediction reduced to yes/no by {@link Answers#parseYesNo} (POPE's own rule).
 *   <li>{@code choice}: per-question accuracy on the letter {@link Answers#parseChoice} finds, and MMBench
 *       circular accuracy over questions grouped by {@link #circularKey}.
 * </ul>
 */
public final class Scorer {
    private Scorer() {}

    /**
     * How one prediction was read and judged.
     *
     * @param parsed what was compared: the normalised text ({@code open}), {@code yes}/{@code no}, or the
     *     option letter (null when none was found)
     * @param correct null when the item has no usable ground truth
     */
    public record Judgement(String parsed, Boolean correct) {}

    public static Judgement judge(EvalItem item, Task task, String prediction) {
        return switch (task) {
            case OPEN -> {
                String parsed = Answers.normalize(prediction);
                yield new Judgement(parsed,
                        item.answer() == null ? null : parsed.equals(Answers.normalize(item.answer())));
            }
            case YESNO -> {
                boolean yes = Answers.parseYesNo(prediction);
                Boolean label = item.answer() == null ? null : Answers.yesNoLabel(item.answer());
                yield new Judgement(yes ? "yes" : "no", label == null ? null : label == yes);
            }
            case CHOICE -> {
                String parsed = Answers.parseChoice(prediction, item.options());
                String label = item.answer() == null ? null : Answers.choiceLabel(item.answer(), item.options());
                yield new Judgement(parsed, label == null ? null : label.equals(parsed));
            }
        };
    }

    /**
     * Scores a predictions file ({@code vllava eval --score}): torn last line ignored, repeated ids resolved
     * by {@link PredictionLog#dedupe}.
     *
     * @param task null to infer it from the lines ({@link Task#infer})
     */
    public static Metrics score(Task task, Path predictionsFile) {
        return score(task, PredictionLog.readLines(predictionsFile), predictionsFile);
    }

    /** As {@link #score(Task, Path)}, over the lines of {@code predictionsFile} already read. */
    public static Metrics score(Task task, List<ObjectNode> fileLines, Path predictionsFile) {
        List<ObjectNode> lines = PredictionLog.dedupe(fileLines);
        String source = predictionsFile.getFileName().toString();
        return score(task != null ? task : inferTask(lines, source), lines, source);
    }

    /** {@link Task#infer} over output lines. */
    public static Task inferTask(List<ObjectNode> lines, String source) {
        List<EvalItem> items = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            items.add(EvalItem.parse(lines.get(i), source, i + 1, i, Path.of("")));
        }
        return Task.infer(items);
    }

    /**
     * Scores output lines (input fields plus {@code prediction} / {@code error}). {@code correct} fields in
     * the lines are ignored and recomputed, so a file can be re-scored under another task.
     */
    public static Metrics score(Task task, List<ObjectNode> lines, String source) {
        GroupStats overall = new GroupStats();
        Map<String, GroupStats> perType = new TreeMap<>();
        Map<String, Map<String, GroupStats>> perMedia = new LinkedHashMap<>();
        Map<String, List<Boolean>> rotations = new LinkedHashMap<>();
        Map<String, String> rotationType = new LinkedHashMap<>();
        int errors = 0;
        int unscored = 0;
        for (int i = 0; i < lines.size(); i++) {
            EvalItem item = EvalItem.parse(lines.get(i), source, i + 1, i, Path.of(""));
            Boolean correct = null;
            JsonNode error = item.fields().get("error");
            JsonNode prediction = item.fields().get("prediction");
            if (error != null && !error.isNull()) {
                errors++;
            } else if (prediction == null || prediction.isNull()) {
                unscored++;
            } else {
                Judgement judgement = judge(item, task, prediction.asText());
                correct = judgement.correct();
                if (correct == null) {
                    unscored++;
                } else {
                    count(task, item, judgement, overall);
                    if (item.type() != null) {
                        count(task, item, judgement, perType.computeIfAbsent(item.type(), k -> new GroupStats()));
                        count(task, item, judgement, perMedia.computeIfAbsent(item.mediaKind(), k -> new TreeMap<>())
                                .computeIfAbsent(item.type(), k -> new GroupStats()));
                    }
                }
            }
            if (task == Task.CHOICE) {
                String key = circularKey(item);
                rotations.computeIfAbsent(key, k -> new ArrayList<>()).add(correct);
                rotationType.putIfAbsent(key, item.type());
            }
        }
        Map<String, GroupStats> perMediaType = new LinkedHashMap<>();
        perMedia.forEach((media, types) -> types.forEach((type, stats) -> perMediaType.put(media + "/" + type, stats)));
        Metrics.Circular circular = task == Task.CHOICE ? circular(rotations, rotationType) : null;
        return new Metrics(task, overall, errors, unscored, perType, perMediaType, circular);
    }

    /**
     * Which circular group (one MMBench question with its rotated copies) an item belongs to: the
     * {@code circular_id} field when present; else, when the item has a numeric {@code index} (MMBench's
     * TSV column), {@code index mod 1000000}, MMBench's convention for the copies of question k (k, k +
     * 1e6, k + 2e6, ...); else the item's own id, so an item without rotations is its own group.
     */
    public static String circularKey(EvalItem item) {
        JsonNode circularId = item.fields().get("circular_id");
        if (circularId != null && (circularId.isTextual() || circularId.isNumber())) {
            return "c:" + circularId.asText();
        }
        JsonNode index = item.fields().get("index");
        if (index != null && index.canConvertToLong()) {
            return "i:" + (index.asLong() % 1_000_000L);
        }
        return "id:" + item.id();
    }

    private static void count(Task task, EvalItem item, Judgement judgement, GroupStats stats) {
        if (task == Task.YESNO) {
            stats.addYesNo(judgement.parsed().equals("yes"), Answers.yesNoLabel(item.answer()));
        } else {
            stats.add(judgement.correct());
        }
    }

    private static Metrics.Circular circular(Map<String, List<Boolean>> rotations, Map<String, String> types) {
        GroupStats overall = new GroupStats();
        Map<String, GroupStats> perType = new TreeMap<>();
        int incomplete = 0;
        for (Map.Entry<String, List<Boolean>> group : rotations.entrySet()) {
            if (group.getValue().contains(null)) {
                incomplete++;
                continue;
            }
            boolean allCorrect = !group.getValue().contains(Boolean.FALSE);
            overall.add(allCorrect);
            String type = types.get(group.getKey());
            if (type != null) {
                perType.computeIfAbsent(type, k -> new GroupStats()).add(allCorrect);
            }
        }
        return new Metrics.Circular(overall, perType, incomplete);
    }
}
