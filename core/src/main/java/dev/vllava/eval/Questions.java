package dev.vllava.eval;

import dev.vllava.VllavaException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads a questions file (JSON Lines, one {@link EvalItem} per non-blank line). */
public final class Questions {
    private Questions() {}

    /**
     * Reads every item. Lines that are not JSON objects, lines without an id and repeated ids are usage
     * errors naming the line (resume and merge match output lines to items by id, so ids must be unique);
     * other faults make an item with a {@link EvalItem#problem()}.
     *
     * @param mediaRoot folder that relative media paths are resolved against; null means the questions
     *     file's own folder
     */
    public static List<EvalItem> read(Path questionsFile, Path mediaRoot) {
        Path root = mediaRoot != null ? mediaRoot : defaultMediaRoot(questionsFile);
        String source = questionsFile.getFileName().toString();
        List<EvalItem> items = new ArrayList<>();
        Map<String, Integer> lineOfId = new HashMap<>();
        for (Jsonl.Line line : Jsonl.lines(questionsFile)) {
            var node = Jsonl.parseOrNull(line.text());
            if (node == null) {
                throw VllavaException.usage("%s:%d: not valid JSON", questionsFile, line.number());
            }
            EvalItem item = EvalItem.parse(node, source, line.number(), items.size(), root);
            Integer earlier = lineOfId.putIfAbsent(item.id(), line.number());
            if (earlier != null) {
                throw VllavaException.usage("%s:%d: id %s repeats line %d (ids must be unique)",
                        questionsFile, line.number(), item.id(), earlier);
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
