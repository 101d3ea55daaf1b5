package dev.vllava.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Counts for one group of scored items (all items, one {@code type}, one medium and type). Accuracy is
 * correct / n over scored items only: failed and unscorable items are counted elsewhere, never in n.
 * For yes/no the confusion counts take "yes" as the positive class, as POPE does.
 */
public final class GroupStats {
    private int n;
    private int correct;
    private int truePositives;
    private int falsePositives;
    private int trueNegatives;
    private int falseNegatives;

    void add(boolean isCorrect) {
        n++;
        if (isCorrect) {
            correct++;
        }
    }

    void addYesNo(boolean predictedYes, boolean labelYes) {
        add(predictedYes == labelYes);
        if (predictedYes) {
            if (labelYes) truePositives++; else falsePositives++;
        } else {
            if (labelYes) falseNegatives++; else trueNegatives++;
        }
    }

    public int n() {
        return n;
    }

    public int correct() {
        return correct;
    }

    public int truePositives() {
        return truePositives;
    }

    public int falsePositives() {
        return falsePositives;
    }

    public int trueNegatives() {
        return trueNegatives;
    }

    public int falseNegatives() {
        return falseNegatives;
    }

    public double accuracy() {
        return ratio(correct, n);
    }

    /** TP / (TP + FP); 0 when nothing was predicted yes. */
    public double precision() {
        return ratio(truePositives, truePositives + falsePositives);
    }

    /** TP / (TP + FN); 0 when no label is yes. */
    public double recall() {
        return ratio(truePositives, truePositives + falseNegatives);
    }

    /** 2PR / (P + R); 0 when P + R is 0. */
    public double f1() {
        double p = precision();
        double r = recall();
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** Share of predictions that are yes (POPE's bias indicator; 0.5 on its balanced splits is unbiased). */
    public double yesRatio() {
        return ratio(truePositives + falsePositives, n);
    }

    /** JSON: n, correct, accuracy; for yes/no also precision, recall, f1, yes_ratio and the four counts. */
    ObjectNode toJson(Task task) {
        ObjectNode json = Jsonl.MAPPER.createObjectNode();
        json.put("n", n);
        json.put("correct", correct);
        json.put("accuracy", round4(accuracy()));
        if (task == Task.YESNO) {
            json.put("precision", round4(precision()));
            json.put("recall", round4(recall()));
            json.put("f1", round4(f1()));
            json.put("yes_ratio", round4(yesRatio()));
            json.put("tp", truePositives);
            json.put("fp", falsePositives);
            json.put("tn", trueNegatives);
            json.put("fn", falseNegatives);
        }
        return json;
    }

    private static double ratio(int numerator, int denominator) {
        return denominator == 0 ? 0 : (double) numerator / denominator;
    }

    /**
     * Four decimals, rounding the exact binary value half-to-even like Python's {@code round(x, 4)}, which
     * wrote the reference accuracy files.
     */
    static double round4(double value) {
        return new BigDecimal(value).setScale(4, RoundingMode.HALF_EVEN).doubleValue();
    }
}
