package dev.vllava.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The judge's verdicts over a group of items, counted as Video-LLaVA's {@code eval_video_qa.py} counts them:
 * a verdict is yes when its pred contains "yes", else no when it contains "no"; {@code accuracy} =
 * yes / (yes + no); {@code score} = the sum of the scores converted with Python's {@code int()} (truncated:
 * 4.8 counts 4) over the number of verdicts. {@code score_exact} is the mean of the scores as written.
 * Items whose judging failed ({@code judge_error}) are counted in {@code failed} and in no denominator;
 * items not judged yet in {@code unjudged}.
 */
public final class JudgeStats {
    private int judged;
    private int yes;
    private int no;
    private int failed;
    private int unjudged;
    private long truncatedScoreSum;
    private BigDecimal exactScoreSum = BigDecimal.ZERO;
    private final TreeSet<String> models = new TreeSet<>();

    /** Whether any of the lines carries a verdict or a judge error: the metrics then show the judge. */
    static boolean anyJudged(Iterable<ObjectNode> lines) {
        for (ObjectNode line : lines) {
            if (line.has("judge_pred") || line.has("judge_error")) {
                return true;
            }
        }
        return false;
    }

    /** Counts one judgeable line (a prediction, an answer, no error). */
    void add(JsonNode line) {
        JsonNode pred = line.get("judge_pred");
        JsonNode score = line.get("judge_score");
        if (pred == null || !pred.isTextual() || score == null || !score.isNumber()) {
            if (line.has("judge_error")) {
                failed++;
            } else {
                unjudged++;
            }
            return;
        }
        judged++;
        String verdict = pred.asText().toLowerCase(Locale.ROOT);
        if (verdict.contains("yes")) {
            yes++;
        } else if (verdict.contains("no")) {
            no++;
        }
        truncatedScoreSum += score.decimalValue().setScale(0, RoundingMode.DOWN).longValueExact();
        exactScoreSum = exactScoreSum.add(score.decimalValue());
        JsonNode model = line.get("judge_model");
        if (model != null && model.isTextual()) {
            models.add(model.asText());
        }
    }

    public int judged() {
        return judged;
    }

    public int yes() {
        return yes;
    }

    public int no() {
        return no;
    }

    public int failed() {
        return failed;
    }

    public double accuracy() {
        return yes + no == 0 ? 0 : (double) yes / (yes + no);
    }

    /** The paper's score: integer parts of the scores, averaged over the verdicts. */
    public double score() {
        return judged == 0 ? 0 : (double) truncatedScoreSum / judged;
    }

    public double scoreExact() {
        return judged == 0 ? 0 : exactScoreSum.divide(BigDecimal.valueOf(judged), MathContext.DECIMAL64).doubleValue();
    }

    /** JSON: model (one name, or the list when verdicts came from several), counts, accuracy, scores. */
    ObjectNode toJson() {
        ObjectNode json = Jsonl.MAPPER.createObjectNode();
        if (models.size() == 1) {
            json.put("model", models.first());
        } else {
            models.forEach(json.putArray("model")::add);
        }
        json.put("n", judged);
        json.put("accuracy", GroupStats.round4(accuracy()));
        json.put("score", GroupStats.round4(score()));
        json.put("score_exact", GroupStats.round4(scoreExact()));
        json.put("yes", yes);
        json.put("no", no);
        json.put("failed", failed);
        json.put("unjudged", unjudged);
        return json;
    }
}
