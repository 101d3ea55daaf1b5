package dev.vllava.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.VllavaException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShardTest {
    private static final List<EvalItem> BENCH = Questions.read(Path.of("../testdata/shapes/bench/questions.jsonl"), null);

    @Test
    void shardsPartitionTheFileByLinePositionModuloN() {
        Set<String> seen = new HashSet<>();
        int total = 0;
        for (int i = 0; i < 4; i++) {
            List<EvalItem> part = new Shard(i, 4).select(BENCH);
            assertTrue(part.size() == 15 || part.size() == 16, "balanced: " + part.size());
            for (EvalItem item : part) {
                assertEquals(i, item.index() % 4);
                assertTrue(seen.add(item.id()), "disjoint");
            }
            total += part.size();
        }
        assertEquals(62, total);
        assertEquals(List.of("v001", "v005", "v009"),
                new Shard(1, 4).select(BENCH).subList(0, 3).stream().map(EvalItem::id).toList());
    }

    @Test
    void parsesIndexSlashCountFromZero() {
        assertEquals(new Shard(2, 8), Shard.parse("2/8", Map.of()));
        assertThrows(VllavaException.class, () -> Shard.parse("8/8", Map.of()));
        assertThrows(VllavaException.class, () -> Shard.parse("two/8", Map.of()));
        assertThrows(VllavaException.class, () -> Shard.parse("3", Map.of()));
    }

    @Test
    void autoReadsSlurmArrayWithMinOffsetAndStep() {
        assertEquals(new Shard(2, 8), Shard.parse("auto", Map.of("SLURM_ARRAY_TASK_ID", "3",
                "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_COUNT", "8")));
        assertEquals(new Shard(3, 4), Shard.parse("auto", Map.of("SLURM_ARRAY_TASK_ID", "6",
                "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_COUNT", "4", "SLURM_ARRAY_TASK_STEP", "2")));
        VllavaException gap = assertThrows(VllavaException.class, () -> Shard.fromEnvironment(Map.of(
                "SLURM_ARRAY_TASK_ID", "9", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_COUNT", "3")));
        assertTrue(gap.getMessage().contains("--array=0-2"), gap.getMessage());
        assertTrue(assertThrows(VllavaException.class, () -> Shard.fromEnvironment(Map.of("SLURM_ARRAY_TASK_ID", "0")))
                .getMessage().contains("SLURM_ARRAY_TASK_COUNT is not set"));
    }

    @Test
    void autoReadsKubernetesIndexedJobWithExplicitCount() {
        assertEquals(new Shard(5, 16), Shard.fromEnvironment(Map.of("JOB_COMPLETION_INDEX", "5",
                "VLLAVA_SHARD_COUNT", "16")));
        VllavaException noCount = assertThrows(VllavaException.class,
                () -> Shard.fromEnvironment(Map.of("JOB_COMPLETION_INDEX", "5")));
        assertTrue(noCount.getMessage().contains("VLLAVA_SHARD_COUNT is not set"), noCount.getMessage());
    }

    @Test
    void autoFallsBackToVllavaVariablesElseSaysWhatIsMissing() {
        assertEquals(new Shard(1, 2), Shard.fromEnvironment(Map.of("VLLAVA_SHARD_INDEX", "1",
                "VLLAVA_SHARD_COUNT", "2")));
        assertTrue(assertThrows(VllavaException.class, () -> Shard.fromEnvironment(Map.of("PATH", "/bin")))
                .getMessage().startsWith("--shard auto: no scheduler found"));
    }
}
