package dev.vllava.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vllava.VllavaException;
import dev.vllava.eval.format.MmbenchReader;
import dev.vllava.eval.format.PopeReader;
import dev.vllava.eval.format.QuestionFormat;
import dev.vllava.eval.format.Row;
import dev.vllava.eval.format.VideoQaReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a benchmark's questions: vllava's JSON Lines (one {@link EvalItem} per non-blank line), or an
 * original distribution ({@link QuestionFormat}) mapped onto the same fields.
 */
public final class Questions {
    private Questions() {}

    /** A questions file whose format is inferred ({@link QuestionFormat#infer}), without separate answers. */
    public static List<EvalItem> read(Path questionsFile, Path mediaRoot) {
        return read(questionsFile, null, null, mediaRoot);
    }

    /**
     * Reads every item. Lines that are not JSON objects, lines without an id and repeated ids are usage
     * errors naming the line (resume and merge match output lines to items by id, so ids must be unique);
     * other faults make an item with a {@link EvalItem#problem()}.
     *
     * @param answersFile the original format's answers ({@code videoqa}: test_a.json; {@code pope}: the
     *     folder of coco_pope_*.json label files); null for none
     * @param format null to infer it
     * @param mediaRoot folder that relative media paths are resolved against; null means the questions
     *     file's own folder (for {@code mmbench}: the folder its images are written to, by default one
     *     beside the TSV)
     */
    public static List<EvalItem> read(Path questionsFile, Path answersFile, QuestionFormat format, Path mediaRoot) {
        QuestionFormat chosen = format != null ? format : QuestionFormat.infer(questionsFile);
        if (answersFile != null && (chosen == QuestionFormat.JSONL || chosen == QuestionFormat.MMBENCH)) {
            throw VllavaException.usage("--answers goes with --format videoqa or pope; %s holds its own answers",
                    questionsFile);
        }
        Path root = mediaRoot != null ? mediaRoot
                : chosen == QuestionFormat.MMBENCH ? MmbenchReader.defaultImageFolder(questionsFile)
                : defaultMediaRoot(questionsFile);
        List<Row> rows = switch (chosen) {
            case JSONL -> jsonlRows(questionsFile);
            case VIDEOQA -> VideoQaReader.read(questionsFile, answersFile, root);
            case POPE -> PopeReader.read(questionsFile, answersFile);
            case MMBENCH -> MmbenchReader.read(questionsFile, root);
        };
        return items(rows, questionsFile, root);
    }

    private static List<Row> jsonlRows(Path questionsFile) {
        List<Row> rows = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.lines(questionsFile)) {
            JsonNode node = Jsonl.parseOrNull(line.text());
            if (node == null) {
                throw VllavaException.usage("%s:%d: not valid JSON", questionsFile, line.number());
            }
            if (!(node instanceof com.fasterxml.jackson.databind.node.ObjectNode object)) {
                throw VllavaException.usage("%s:%d: expected a JSON object per line", questionsFile, line.number());
            }
            rows.add(new Row(line.number(), object));
        }
        return rows;
    }

    private static List<EvalItem> items(List<Row> rows, Path questionsFile, Path root) {
        String source = questionsFile.getFileName().toString();
        List<EvalItem> items = new ArrayList<>();
        Map<String, Integer> lineOfId = new HashMap<>();
        for (Row row : rows) {
            EvalItem item = EvalItem.parse(row.fields(), source, row.number(), items.size(), root);
            Integer earlier = lineOfId.putIfAbsent(item.id(), row.number());
            if (earlier != null) {
                throw VllavaException.usage("%s:%d: id %s repeats line %d (ids must be unique)",
                        questionsFile, row.number(), item.id(), earlier);
            }
            items.add(item);
        }
        if (items.isEmpty()) {
            throw VllavaException.usage("%s: no questions (the file is empty)", questionsFile);
        }
        return items;
    }

    /** The folder of the questions file: where benchmark files usually keep their relative media paths. */
    public static Path defaultMediaRoot(Path questionsFile) {
        Path parent = questionsFile.toAbsolutePath().getParent();
        return parent != null ? parent : Path.of(".");
    }
}
