package dev.vllava.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Joins shard outputs into one predictions file ({@code vllava eval --merge OUT SHARD...}).
 *
 * <p>Lines are read from each shard file (a torn last line ignored), repeated ids resolved as in
 * {@link PredictionLog#dedupe} (a successful line beats a failed one, else the first wins), and written in
 * the order of the questions file when one is given (its ids not found in any shard are reported as
 * missing; shard lines whose id it does not hold are a usage error, since they belong to another
 * benchmark), else in shard order. The output is written to a temporary file and renamed, so it is never
 * seen half-written.
 */
public final class Merge {
    private Merge() {}

    /**
     * @param lines lines written
     * @param duplicates shard lines dropped because their id was already present
     * @param missingIds ids of the questions file that no shard holds (empty without a questions file)
     * @param metrics scores of the merged file, or null when no task was given
     */
    public record Result(int lines, int duplicates, List<String> missingIds, Metrics metrics) {}

    /**
     * @param questionsFile the benchmark's questions, for order and completeness; may be null
     * @param task how to score the merged lines; may be null to skip scoring
     */
    public static Result merge(Path out, List<Path> shards, Path questionsFile, Task task) {
        if (shards.isEmpty()) {
            throw VllavaException.usage("--merge: no shard files given");
        }
        OutputFile.requireUsable(out);
        List<ObjectNode> all = new ArrayList<>();
        for (Path shard : shards) {
            if (shard.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
                throw VllavaException.usage("--merge: output %s is also an input", out);
            }
            all.addAll(PredictionLog.readLines(shard));
        }
        List<ObjectNode> unique = PredictionLog.dedupe(all);
        int duplicates = all.size() - unique.size();
        List<ObjectNode> ordered = unique;
        List<String> missing = new ArrayList<>();
        if (questionsFile != null) {
            Map<String, ObjectNode> byId = new LinkedHashMap<>();
            for (ObjectNode line : unique) {
                byId.put(EvalItem.idText(line.get("id")), line);
            }
            ordered = new ArrayList<>();
            for (EvalItem item : Questions.read(questionsFile, null)) {
                ObjectNode line = byId.remove(item.id());
                if (line == null) {
                    missing.add(item.id());
                } else {
                    ordered.add(line);
                }
            }
            if (!byId.isEmpty()) {
                throw VllavaException.usage("--merge: id %s is in the shards but not in %s (%d such ids)",
                        byId.keySet().iterator().next(), questionsFile, byId.size());
            }
        }
        write(out, ordered);
        String source = out.getFileName().toString();
        Metrics metrics = task == null ? null : Scorer.score(task, ordered, source);
        return new Result(ordered.size(), duplicates, List.copyOf(missing), metrics);
    }

    /**
     * Replaces {@code out} while holding its lock: a run writing it refuses the merge, and a run started
     * meanwhile finds the lock held (on the old file, then on nothing it can corrupt).
     */
    static void write(Path out, List<ObjectNode> lines) {
        StringBuilder text = new StringBuilder();
        for (ObjectNode line : lines) {
            text.append(Jsonl.write(line)).append('\n');
        }
        Path absolute = out.toAbsolutePath();
        Path temporary = absolute.resolveSibling(absolute.getFileName() + ".merging");
        try {
            Files.createDirectories(absolute.getParent());
            try (FileChannel target = FileChannel.open(absolute, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = PredictionLog.lockOrRefuse(target, out)) {
                Files.writeString(temporary, text, StandardCharsets.UTF_8);
                Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw VllavaException.usage("%s: cannot write (%s)", out, e.getMessage());
        }
    }
}
