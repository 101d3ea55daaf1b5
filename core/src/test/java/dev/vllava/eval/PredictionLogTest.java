package dev.vllava.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictionLogTest {
    @TempDir
    Path dir;

    private static ObjectNode line(Object id) {
        ObjectNode line = Jsonl.MAPPER.createObjectNode();
        if (id instanceof Integer number) {
            line.put("id", number);
        } else {
            line.put("id", id.toString());
        }
        return line.put("prediction", "dog");
    }

    @Test
    void appendedLinesAreWholeAndReadBack() {
        Path out = dir.resolve("sub/pred.jsonl");
        try (PredictionLog log = PredictionLog.open(out, true)) {
            assertTrue(log.doneIds().isEmpty());
            log.append(line(1));
            log.append(line("a\nb"));
        }
        List<ObjectNode> lines = PredictionLog.readLines(out);
        assertEquals(2, lines.size());
        assertEquals("a\nb", lines.get(1).get("id").asText(), "newlines inside strings are escaped");
        try (PredictionLog log = PredictionLog.open(out, true)) {
            assertEquals(Set.of("1", "a\nb"), log.doneIds());
            assertEquals(0, log.droppedTornLines());
        }
    }

    @Test
    void tornLastLineIsIgnoredAndCutAwayOnOpen() throws Exception {
        Path out = dir.resolve("pred.jsonl");
        String whole = "{\"id\":1,\"prediction\":\"a\"}\n{\"id\":2,\"prediction\":\"b\"}\n";
        Files.writeString(out, whole + "{\"id\":3,\"predic");
        assertEquals(2, PredictionLog.readLines(out).size());
        assertEquals(whole.length() + 15, Files.size(out), "reading does not change the file");
        try (PredictionLog log = PredictionLog.open(out, true)) {
            assertEquals(Set.of("1", "2"), log.doneIds());
            assertEquals(1, log.droppedTornLines());
            log.append(line(3));
        }
        assertEquals(whole + "{\"id\":3,\"prediction\":\"dog\"}\n", Files.readString(out));
    }

    @Test
    void zeroBytesLeftByAPowerCutAreTornToo() throws Exception {
        Path out = dir.resolve("pred.jsonl");
        byte[] good = "{\"id\":1}\n".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[good.length + 40];
        System.arraycopy(good, 0, bytes, 0, good.length);
        bytes[good.length + 20] = '\n';
        Files.write(out, bytes);
        try (PredictionLog log = PredictionLog.open(out, false)) {
            assertEquals(Set.of("1"), log.doneIds());
        }
        assertEquals("{\"id\":1}\n", Files.readString(out));
    }

    @Test
    void garbageBeforeTheLastLineIsAUsageError() throws Exception {
        Path out = dir.resolve("pred.jsonl");
        Files.writeString(out, "{\"id\":1}\nnot json\n{\"id\":2}\n");
        VllavaException e = assertThrows(VllavaException.class, () -> PredictionLog.open(out, true));
        assertTrue(e.getMessage().endsWith("pred.jsonl:2: not a JSON object (not a vllava predictions file?)"),
                e.getMessage());
    }

    @Test
    void secondWriterOnTheSameFileIsRefused() {
        Path out = dir.resolve("pred.jsonl");
        try (PredictionLog first = PredictionLog.open(out, true)) {
            assertEquals(out, first.file());
            VllavaException e = assertThrows(VllavaException.class, () -> PredictionLog.open(out, true));
            assertTrue(e.getMessage().contains("another vllava eval is writing this file"));
        }
    }

    @Test
    void aDeviceOrAFolderIsNotReadAsAPredictionsFile() {
        assertTrue(assertThrows(VllavaException.class, () -> PredictionLog.readLines(Path.of("/dev/zero"))).getMessage()
                .contains("/dev/zero: not a regular file"));
        assertTrue(assertThrows(VllavaException.class, () -> PredictionLog.readLines(dir)).getMessage()
                .contains("is a directory"));
    }

    @Test
    void linesAreReadBackThroughTheLockedFileAsWritten() {
        Path out = dir.resolve("pred.jsonl");
        try (PredictionLog log = PredictionLog.open(out, false)) {
            log.append(line(1));
            log.append(line("b"));
            assertEquals(List.of("1", "b"), log.lines().stream().map(node -> node.get("id").asText()).toList());
            // The read went through the locked channel: the lock is still held.
            assertThrows(VllavaException.class, () -> PredictionLog.open(out, true));
        }
    }

    @Test
    void concurrentAppendsNeverInterleave() throws Exception {
        Path out = dir.resolve("pred.jsonl");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (PredictionLog log = PredictionLog.open(out, false)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int id = i;
                futures.add(pool.submit(() -> log.append(line(id).put("pad", "x".repeat(5000)))));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdown();
        }
        List<ObjectNode> lines = PredictionLog.readLines(out);
        assertEquals(400, lines.size());
        assertEquals(400, lines.stream().map(l -> l.get("id").asInt()).distinct().count());
    }

    @Test
    void dedupePrefersTheFirstSuccessfulLine() {
        ObjectNode failed = line(1).put("error", "no such file");
        ObjectNode ok = line(1).put("prediction", "cat");
        ObjectNode later = line(1).put("prediction", "cow");
        List<ObjectNode> unique = PredictionLog.dedupe(List.of(failed, line(2), ok, later));
        assertEquals(2, unique.size());
        assertEquals("cat", unique.get(0).get("prediction").asText());
        assertEquals("2", unique.get(1).get("id").asText());
    }
}
