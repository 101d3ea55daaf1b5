package dev.vllava.cli;

import dev.vllava.checkpoint.ModelPart;
import dev.vllava.config.TextConfig;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.config.VisionConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The plain {@code vllava info} output: a few labelled lines, then one aligned row per model part. */
final class InfoTable {
    private InfoTable() {}

    static String render(ModelSummary summary) {
        VideoLlavaConfig config = summary.config();
        StringBuilder out = new StringBuilder();
        line(out, "model", summary.modelDir().toString());
        line(out, "weights", summary.files().size() + (summary.files().size() == 1 ? " file, " : " shards, ")
                + String.format(Locale.ROOT, "%,d bytes (%s) on disk", summary.bytesOnDisk(), humanBytes(summary.bytesOnDisk())));
        line(out, "dtypes", summary.tensorsPerDtype().entrySet().stream()
                .map(e -> e.getKey() + " (" + e.getValue() + " tensors)").collect(Collectors.joining(", ")));
        line(out, "context length", config.text().maxPositionEmbeddings() + " tokens");
        line(out, "visual tokens", config.tokensPerImage() + " per image, " + config.tokensPerFrame() + " per video frame"
                + " (vision_feature_layer " + config.visionFeatureLayer() + ", strategy " + config.visionFeatureSelectStrategy() + ")");
        line(out, "tokenizer", tokenizer(summary.tokenizer()));
        out.append('\n');
        out.append(partsTable(summary));
        return out.toString();
    }

    private static String partsTable(ModelSummary summary) {
        VideoLlavaConfig config = summary.config();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"part", "layers", "hidden", "heads", "kv heads", "mlp", "details", "weights", "parameters"});
        rows.add(withWeights(vision("image tower", config.vision(), summary.parameters().get(ModelPart.IMAGE_TOWER)), summary, ModelPart.IMAGE_TOWER));
        rows.add(withWeights(vision("video tower", config.vision(), summary.parameters().get(ModelPart.VIDEO_TOWER)), summary, ModelPart.VIDEO_TOWER));
        rows.add(withWeights(new String[] {"projector", "2", config.vision().hiddenSize() + "->" + config.text().hiddenSize(), "-", "-", "-",
                config.projectorHiddenAct(), count(summary.parameters().get(ModelPart.PROJECTOR))}, summary, ModelPart.PROJECTOR));
        TextConfig text = config.text();
        rows.add(withWeights(new String[] {"language model", str(text.numHiddenLayers()), str(text.hiddenSize()), str(text.numAttentionHeads()),
                str(text.numKeyValueHeads()), str(text.intermediateSize()),
                "vocab " + text.vocabSize() + ", head dim " + text.headDim() + ", " + text.hiddenAct()
                        + (text.tieWordEmbeddings() ? ", tied lm_head" : ""),
                count(summary.parameters().get(ModelPart.LANGUAGE_MODEL))}, summary, ModelPart.LANGUAGE_MODEL));
        rows.add(new String[] {"total", "", "", "", "", "", "", "", count(summary.totalParameters())});
        return aligned(rows);
    }

    /** The row with its part's stored formats and bits per weight ("F16 + int4 g32, 4.60 bits/weight") before the parameter count. */
    private static String[] withWeights(String[] row, ModelSummary summary, ModelPart part) {
        ModelSummary.PartWeights weights = summary.weights().get(part);
        String[] extended = java.util.Arrays.copyOf(row, row.length + 1);
        extended[row.length] = extended[row.length - 1];
        extended[row.length - 1] = weights.parameters() == 0 ? "-"
                : String.join(" + ", weights.formats()) + String.format(Locale.ROOT, ", %.2f bits/weight", weights.bitsPerWeight());
        return extended;
    }

    private static String[] vision(String name, VisionConfig vision, long parameters) {
        return new String[] {name, str(vision.numHiddenLayers()), str(vision.hiddenSize()), str(vision.numAttentionHeads()), "-",
                str(vision.intermediateSize()),
                "patch " + vision.patchSize() + ", image " + vision.imageSize() + ", " + vision.hiddenAct(), count(parameters)};
    }

    /** Text columns left-aligned, number columns right-aligned, two spaces apart. */
    private static String aligned(List<String[]> rows) {
        int columns = rows.getFirst().length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                boolean text = c == 0 || c == columns - 3 || c == columns - 2; // part, details, weights
                String format = "%" + (text ? "-" : "") + widths[c] + "s";
                line.append(c == 0 ? "" : "  ").append(String.format(Locale.ROOT, format, row[c]));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    private static String tokenizer(ModelSummary.TokenizerSummary t) {
        String ids = "bos " + orUnknown(t.bosId()) + ", eos " + orUnknown(t.eosId()) + ", <image> " + orUnknown(t.imageId())
                + ", <video> " + orUnknown(t.videoId()) + ", <pad> " + orUnknown(t.padId());
        if (t.kind() == null) {
            return "none in the folder; ids from config.json: " + ids;
        }
        return t.kind() + ", " + t.vocabSize() + " tokens; " + ids;
    }

    private static void line(StringBuilder out, String label, String value) {
        out.append(String.format(Locale.ROOT, "%-15s %s%n", label, value));
    }

    private static String orUnknown(Integer id) {
        return id == null ? "?" : id.toString();
    }

    private static String str(int value) {
        return Integer.toString(value);
    }

    /** Exact count with a short form: "6,738,939,904 (6.74 B)". */
    static String count(long parameters) {
        String exact = String.format(Locale.ROOT, "%,d", parameters);
        if (parameters >= 1_000_000_000L) {
            return exact + String.format(Locale.ROOT, " (%.2f B)", parameters / 1e9);
        }
        if (parameters >= 1_000_000L) {
            return exact + String.format(Locale.ROOT, " (%.1f M)", parameters / 1e6);
        }
        return exact;
    }

    static String humanBytes(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
