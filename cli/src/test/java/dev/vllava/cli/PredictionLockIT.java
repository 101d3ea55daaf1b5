package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The predictions file of {@code vllava eval}, with real processes: what {@code --out} accepts is decided
 * before the model loads, and while one run writes a file no second run and no {@code --merge} may.
 */
class PredictionLockIT {
    private static final String MODEL = "testdata/shapes/model";
    private static final String QUESTIONS = "testdata/shapes/bench/questions.jsonl";

    @TempDir
    Path temp;

    private static void assertUsageError(String messagePart, CliProcess.Result run) {
        assertEquals(2, run.exitCode(), run.describe());
        List<String> lines = run.errLines().lines().toList();
        assertEquals(1, lines.size(), "one line on stderr: " + run.err());
        assertTrue(lines.getFirst().contains(messagePart), "'" + messagePart + "' in: " + lines.getFirst());
    }

    @Test
    void outThatIsNotARegularFileOrANewPathIsRefusedBeforeTheModelLoads() throws IOException {
        // A model folder that does not exist: were it opened first, the exit would be 4.
        String noModel = temp.resolve("no-model").toString();
        assertUsageError("/dev/full: not a regular file", CliProcess.run("eval", "--model", noModel, "--questions", QUESTIONS, "--out", "/dev/full"));
        assertUsageError("/dev/null: not a regular file", CliProcess.run("eval", "--model", noModel, "--questions", QUESTIONS, "--out", "/dev/null"));
        assertUsageError("/dev/stdout: not a regular file",
                CliProcess.runInShell("| cat", "eval", "--model", noModel, "--questions", QUESTIONS, "--out", "/dev/stdout"));
        assertUsageError("is a directory", CliProcess.run("eval", "--model", noModel, "--questions", QUESTIONS, "--out", temp.toString()));
        Path loop = Files.createSymbolicLink(temp.resolve("loop.jsonl"), temp.resolve("loop.jsonl"));
        assertUsageError("symbolic link", CliProcess.run("eval", "--model", noModel, "--questions", QUESTIONS, "--out", loop.toString()));
    }

    @Test
    void aSecondRunAndAMergeAreRefusedWhileTheFirstRunWritesTheFile() throws Exception {
        Path out = temp.resolve("predictions.jsonl");
        Path firstErr = temp.resolve("first.err");
        Process first = new ProcessBuilder(CliProcess.command("eval", "--model", MODEL, "--questions", QUESTIONS,
                "--out", out.toString(), "--max-new-tokens", "8", "--threads", "1"))
                .directory(CliProcess.HOME.toFile()).redirectOutput(temp.resolve("first.out").toFile()).redirectError(firstErr.toFile()).start();
        try {
            // Past its first line the run has read the file back (the read that used to drop the lock).
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (lines(out).isEmpty() && first.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(first.isAlive(), "the first run still writes: " + Files.readString(firstErr));

            assertUsageError("another vllava eval is writing this file", CliProcess.run("eval", "--model", MODEL,
                    "--questions", QUESTIONS, "--out", out.toString(), "--max-new-tokens", "8"));
            Path shard = Files.writeString(temp.resolve("shard.jsonl"), "{\"id\": \"x\", \"prediction\": \"yes\"}\n");
            assertUsageError("another vllava eval is writing this file", CliProcess.run("eval", "--merge", out.toString(), shard.toString()));
            assertTrue(first.isAlive(), "the refusals were made while the first run held the file");
        } finally {
            first.destroyForcibly();
            first.waitFor(1, TimeUnit.MINUTES);
        }
        List<String> written = lines(out);
        Set<String> ids = new HashSet<>();
        for (String line : written) {
            assertTrue(ids.add(line.replaceAll(".*\"id\":\\s*\"?([^\",]+).*", "$1")), "no id twice: " + line);
        }
    }

    private static List<String> lines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : text.substring(0, end).lines().toList();
    }
}
