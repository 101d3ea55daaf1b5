package dev.vllava.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The scores of one predictions file. JSON form ({@link #toJson()}):
 * <pre>
 * {"task": "open", "overall": {"n", "correct", "accuracy", ...}, "errors": 2, "unscored": 0,
 *  "circular": {...}            (choice only: every rotation of a question answered correctly)
 *  "judge": {...}               (open files judged by a GPT judge: JudgeStats)
 *  "per_type": {"color": {...}}  (when items have a type or category)
 *  "per_media_type": {"video/color": {...}}}
 * </pre>
 * {@code errors} counts items whose line carries an {@code error}; {@code unscored} counts items without a
 * usable ground truth (no answer, a yes/no answer that is neither, a choice answer naming no option) or
 * without a prediction. Neither is part of any {@code n}, so accuracies are over the items actually
 * answered; report {@code errors} next to them.
 */
public record Metrics(
        Task task,
        GroupStats overall,
        int errors,
        int unscored,
        Map<String, GroupStats> perType,
        Map<String, GroupStats> perMediaType,
        Circular circular,
        Judged judge) {

    /**
     * Circular evaluation (MMBench): a question counts once, as correct only when all its rotations are.
     * Questions with a failed or unscorable rotation are left out and counted in {@code incomplete}.
     */
    public record Circular(GroupStats overall, Map<String, GroupStats> perType, int incomplete) {}

    /** The judge's verdicts ({@code open} files judged with {@code --judge}), overall and per type. */
    public record Judged(JudgeStats overall, Map<String, JudgeStats> perType) {}

    public Metrics {
        perType = Collections.unmodifiableMap(new TreeMap<>(perType));
        perMediaType = Collections.unmodifiableMap(new LinkedHashMap<>(perMediaType));
    }

    public ObjectNode toJson() {
        ObjectNode json = Jsonl.MAPPER.createObjectNode();
        json.put("task", task.cliName());
        json.set("overall", overall.toJson(task));
        json.put("errors", errors);
        json.put("unscored", unscored);
        if (circular != null) {
            ObjectNode circularJson = circular.overall().toJson(task);
            circularJson.put("incomplete", circular.incomplete());
            if (!circular.perType().isEmpty()) {
                circularJson.set("per_type", groups(circular.perType()));
            }
            json.set("circular", circularJson);
        }
        if (judge != null) {
            ObjectNode judgeJson = judge.overall().toJson();
            if (!judge.perType().isEmpty()) {
                ObjectNode types = judgeJson.putObject("per_type");
                judge.perType().forEach((type, stats) -> types.set(type, stats.toJson()));
            }
            json.set("judge", judgeJson);
        }
        if (!perType.isEmpty()) {
            json.set("per_type", groups(perType));
            json.set("per_media_type", groups(perMediaType));
        }
        return json;
    }

    /** Pretty-printed {@link #toJson()}, as {@code vllava eval} prints it on stdout. */
    public String toJsonString() {
        return Jsonl.writePretty(toJson());
    }

    private ObjectNode groups(Map<String, GroupStats> groups) {
        ObjectNode json = Jsonl.MAPPER.createObjectNode();
        groups.forEach((key, stats) -> json.set(key, stats.toJson(task)));
        return json;
    }
}
