package dev.vllava.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergeTest {
    private static final Path BENCH = Path.of("../testdata/shapes/bench");

    @TempDir
    Path dir;

    /** Splits the reference predictions into shard files as `--shard i/3` would have written them. */
    private List<Path> shards(int count) throws Exception {
        List<ObjectNode> reference = PredictionLog.readLines(BENCH.resolve("reference_predictions.jsonl"));
        List<Path> files = new ArrayList<>();
        for (int shard = 0; shard < count; shard++) {
            StringBuilder text = new StringBuilder();
            for (int k = shard; k < reference.size(); k += count) {
                text.append(Jsonl.write(reference.get(k))).append('\n');
            }
            Path file = dir.resolve("shard-" + shard + ".jsonl");
            Files.writeString(file, text);
            files.add(file);
        }
        return files;
    }

    @Test
    void mergedShardsFollowQuestionsOrderAndScoreLikeTheWhole() throws Exception {
        List<Path> shards = shards(3);
        Files.writeString(shards.get(1), Files.readString(shards.get(1)) + "{\"id\": \"v0");
        Path out = dir.resolve("merged.jsonl");
        Merge.Result result = Merge.merge(out, shards, BENCH.resolve("questions.jsonl"), Task.OPEN);
        assertEquals(62, result.lines());
        assertEquals(List.of(), result.missingIds());
        List<String> ids = PredictionLog.readLines(out).stream().map(l -> l.get("id").asText()).toList();
        assertEquals(Questions.read(BENCH.resolve("questions.jsonl"), null).stream().map(EvalItem::id).toList(), ids);
        assertEquals(40, result.metrics().overall().correct());
        assertEquals(0.6452, result.metrics().toJson().get("overall").get("accuracy").asDouble());
    }

    @Test
    void withoutQuestionsShardOrderIsKeptAndRepeatsAreDropped() throws Exception {
        List<Path> shards = shards(2);
        Path out = dir.resolve("merged.jsonl");
        Merge.Result result = Merge.merge(out, List.of(shards.get(1), shards.get(0), shards.get(1)), null, null);
        assertEquals(62, result.lines());
        assertEquals(31, result.duplicates());
        assertEquals("v001", PredictionLog.readLines(out).getFirst().get("id").asText());
        assertEquals(null, result.metrics());
    }

    @Test
    void missingItemsAreReportedAndForeignIdsRefused() throws Exception {
        List<Path> shards = shards(2);
        Merge.Result result = Merge.merge(dir.resolve("m.jsonl"), List.of(shards.get(0)),
                BENCH.resolve("questions.jsonl"), Task.OPEN);
        assertEquals(31, result.missingIds().size());
        assertEquals("v001", result.missingIds().getFirst());
        Path foreign = dir.resolve("foreign.jsonl");
        Files.writeString(foreign, "{\"id\": \"zzz\", \"prediction\": \"x\"}\n");
        VllavaException e = assertThrows(VllavaException.class, () -> Merge.merge(dir.resolve("m.jsonl"),
                List.of(foreign), BENCH.resolve("questions.jsonl"), Task.OPEN));
        assertTrue(e.getMessage().contains("id zzz is in the shards but not in"), e.getMessage());
    }
}
