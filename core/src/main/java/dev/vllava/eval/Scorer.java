package dev.vllava.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Judges predictions against answers and aggregates the paper's metrics per task:
 * <ul>
 *   <li>{@code open}: exact match after the VQA answer processing ({@link VqaAnswerProcessor}) of both
 *       sides. The Video-LLaVA paper's open-ended video QA numbers (MSVD-QA, MSRVTT-QA, TGIF-QA,
 *       ActivityNet-QA) were judged by GPT-3.5 instead; see the judge ({@code dev.vllava.eval.judge}).
 *   <li>{@code yesno}: POPE's accuracy, precision, recall, F1 (yes is positive) and yes-ratio, with the
 *       prediction reduced to yes/no by {@link Answers#parseYesNo} (POPE's own rule).
 *   <li>{@code choice}: per-question accuracy on the letter {@link ChoiceMatcher} reads (VLMEvalKit's exact
 *       matching), and MMBench circular accuracy over the groups of {@link #circularMember}.
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
                String parsed = VqaAnswerProcessor.process(prediction);
                yield new Judgement(parsed,
                        item.answer() == null ? null : parsed.equals(VqaAnswerProcessor.process(item.answer())));
            }
            case YESNO -> {
                boolean yes = Answers.parseYesNo(prediction);
                Boolean label = item.answer() == null ? null : Answers.yesNoLabel(item.answer());
                yield new Judgement(yes ? "yes" : "no", label == null ? null : label == yes);
            }
            case CHOICE -> {
                String parsed = ChoiceMatcher.infer(prediction, item.options());
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
        Map<String, CircularGroup> groups = new LinkedHashMap<>();
        boolean judged = task == Task.OPEN && JudgeStats.anyJudged(lines);
        JudgeStats judgeOverall = judged ? new JudgeStats() : null;
        Map<String, JudgeStats> judgePerType = new TreeMap<>();
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
                    if (judged) {
                        judgeOverall.add(item.fields());
                        if (item.type() != null) {
                            judgePerType.computeIfAbsent(item.type(), k -> new JudgeStats()).add(item.fields());
                        }
                    }
                    if (item.type() != null) {
                        count(task, item, judgement, perType.computeIfAbsent(item.type(), k -> new GroupStats()));
                        count(task, item, judgement, perMedia.computeIfAbsent(item.mediaKind(), k -> new TreeMap<>())
                                .computeIfAbsent(item.type(), k -> new GroupStats()));
                    }
                }
            }
            if (task == Task.CHOICE) {
                CircularMember member = circularMember(item, source);
                groups.computeIfAbsent(member.group(), k -> new CircularGroup()).add(member.main(), item, correct);
            }
        }
        Map<String, GroupStats> perMediaType = new LinkedHashMap<>();
        perMedia.forEach((media, types) -> types.forEach((type, stats) -> perMediaType.put(media + "/" + type, stats)));
        Metrics.Circular circular = task == Task.CHOICE ? circular(groups.values()) : null;
        Metrics.Judged judge = judged ? new Metrics.Judged(judgeOverall, judgePerType) : null;
        return new Metrics(task, overall, errors, unscored, perType, perMediaType, circular, judge);
    }

    /**
     * An item's circular group (one MMBench question and its rotated copies) and whether it is the group's
     * main row, through which VLMEvalKit's {@code mcq_circular_eval} scores the group (its type is the
     * group's type).
     */
    public record CircularMember(String group, boolean main) {}

    private static final long ROTATION_STRIDE = 1_000_000L;

    /**
     * The {@code circular_id} field when present (a vllava extension: every row may stand for the group,
     * the first one gives its type); else MMBench's {@code index}: the copies of question k have index k + 1,000,000 r, the
     * group is {@code index mod 1000000} and the main row is the one whose index is below 1,000,000
     * (a group without one is not scored, as in VLMEvalKit). The index is a JSON integer or a string of
     * digits ({@code "1000024"}, as converters that read the TSV as text write it), grouped by its value;
     * anything else is a usage error naming the line, since a wrong grouping would silently change the
     * circular accuracy. Items with neither field are groups of their own.
     */
    public static CircularMember circularMember(EvalItem item, String source) {
        JsonNode circularId = item.fields().get("circular_id");
        if (circularId != null && (circularId.isTextual() || circularId.isNumber())) {
            return new CircularMember("c:" + circularId.asText(), true);
        }
        JsonNode indexNode = item.fields().get("index");
        if (indexNode == null || indexNode.isNull()) {
            return new CircularMember("id:" + item.id(), true);
        }
        long index = integerIndex(indexNode, source, item.lineNumber());
        long group = Math.floorMod(index, ROTATION_STRIDE);
        return new CircularMember("i:" + group, index == group);
    }

    private static long integerIndex(JsonNode index, String source, int line) {
        if (index.isIntegralNumber() && index.canConvertToLong()) {
            return index.asLong();
        }
        String text = index.isTextual() ? index.asText().strip() : "";
        if (text.matches("[+-]?[0-9]{1,18}")) {
            return Long.parseLong(text);
        }
        throw VllavaException.usage("%s:%d: \"index\" %s is not an integer (MMBench's index groups the rotations "
                + "of a question for circular evaluation)", source, line, index);
    }

    /** The rotations of one circular group as they are read. */
    private static final class CircularGroup {
        private final List<Boolean> results = new ArrayList<>();
        private boolean hasMain;
        private String type;

        void add(boolean main, EvalItem item, Boolean correct) {
            if (main && !hasMain) {
                hasMain = true;
                type = item.type();
            }
            results.add(correct);
        }
    }

    private static void count(Task task, EvalItem item, Judgement judgement, GroupStats stats) {
        if (task == Task.YESNO) {
            stats.addYesNo(judgement.parsed().equals("yes"), Answers.yesNoLabel(item.answer()));
        } else {
            stats.add(judgement.correct());
        }
    }

    /**
     * VLMEvalKit's circular rule under exact matching: a group is right when every rotation's letter is
     * the right one. Groups without a main row, or with a failed or unscorable rotation (no prediction or
     * no usable answer), are left out and counted as incomplete.
     */
    private static Metrics.Circular circular(Iterable<CircularGroup> groups) {
        GroupStats overall = new GroupStats();
        Map<String, GroupStats> perType = new TreeMap<>();
        int incomplete = 0;
        for (CircularGroup group : groups) {
            if (!group.hasMain || group.results.contains(null)) {
                incomplete++;
                continue;
            }
            boolean allCorrect = !group.results.contains(Boolean.FALSE);
            overall.add(allCorrect);
            if (group.type != null) {
                perType.computeIfAbsent(group.type, k -> new GroupStats()).add(allCorrect);
            }
        }
        return new Metrics.Circular(overall, perType, incomplete);
    }
}
