package dev.vllava.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner against a fake model on generated mini benchmarks. Item i of a benchmark is broken when
 * i % 10 == 3 (video missing), i % 10 == 7 (video corrupt), i == 5 (malformed line), i == 11 (prompt too
 * long, refused by the preparer) or i == 16 (the predictor fails on it inside a batch); the fake model
 * answers correctly unless i % 3 == 0.
 */
class EvalRunnerTest {
    private static final int ITEMS = 34;
    private static final String[] COLORS = {"red", "green", "blue", "yellow"};
    private static final String[] FRUIT = {"apple", "plum", "fig", "pear"};

    @TempDir
    Path dir;

    static boolean broken(int i) {
        return i % 10 == 3 || i % 10 == 7 || i == 5 || i == 11 || i == 16;
    }

    /** Writes questions.jsonl and media/ for a benchmark of the task; ids alternate numbers and strings. */
    Path benchmark(Task task) throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < ITEMS; i++) {
            ObjectNode item = Jsonl.MAPPER.createObjectNode();
            if (i % 2 == 0) {
                item.put("id", i);
            } else {
                item.put("id", "q-" + i);
            }
            String clip = "clip" + i + ".mp4";
            if (i == 5) {
                item.put("video", 5);
            } else {
                item.put("video", "media/" + clip);
            }
            if (i % 10 != 3) {
                Files.writeString(media.resolve(clip), i % 10 == 7 ? "corrupt" : "frames");
            }
            item.put("question", i == 11 ? "why? ".repeat(1000) : "Question " + i + "?");
            item.put("type", i % 2 == 0 ? "even" : "odd");
            switch (task) {
                case OPEN -> item.put("answer", COLORS[i % 4]);
                case YESNO -> item.put("answer", i % 2 == 0 ? "yes" : "no");
                case CHOICE -> {
                    var options = item.putArray("options");
                    for (int k = 0; k < 4; k++) {
                        options.add(FRUIT[(k + i) % 4]);
                    }
                    item.put("answer", String.valueOf((char) ('A' + (4 - i % 4) % 4)));
                    item.put("circular_id", "base-" + i / 4);
                }
            }
            lines.append(Jsonl.write(item)).append('\n');
        }
        Path questions = dir.resolve("questions.jsonl");
        Files.writeString(questions, lines);
        return questions;
    }

    /** Reads the media file; refuses missing and corrupt files and over-long prompts, as the real one would. */
    static final MediaPreparer<String> PREPARER = (item, prompt) -> {
        if (prompt.length() > 2000) {
            throw VllavaException.contextOverflow("prompt of %d characters does not fit the context", prompt.length());
        }
        Path video = item.media().getFirst().path();
        if (!Files.exists(video)) {
            throw VllavaException.media("%s: no such file", video);
        }
        try {
            String content = Files.size(video) > 100 ? "frames" : Files.readString(video);
            if (content.equals("corrupt")) {
                throw VllavaException.media("%s: cannot decode video\n(invalid data)", video);
            }
            return content;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    };

    /** Deterministic fake model: right unless index % 3 == 0, answers phrased as a chatty model would. */
    static final class FakeModel implements Predictor<String> {
        final Task task;
        final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());

        FakeModel(Task task) {
            this.task = task;
        }

        @Override
        public List<Prediction> predict(List<PreparedItem<String>> batch) {
            batchSizes.add(batch.size());
            List<Prediction> out = new ArrayList<>();
            for (PreparedItem<String> prepared : batch) {
                EvalItem item = prepared.item();
                assertEquals("frames", prepared.prepared());
                assertTrue(prepared.prompt().startsWith("USER: <video>\n" + item.question()));
                if (item.index() == 16) {
                    throw VllavaException.media("%s: decoder crashed", item.media().getFirst().path().getFileName());
                }
                boolean right = item.index() % 3 != 0;
                String text = switch (task) {
                    case OPEN -> right ? "The " + item.answer() + "." : "purple";
                    case YESNO -> right == item.answer().equals("yes") ? "Yes, it is." : "No, there is not.";
                    case CHOICE -> right ? "(" + item.answer() + ")" : "none of them";
                };
                out.add(Prediction.of(text, new int[] {item.index() + 100, 2}));
            }
            return out;
        }
    }

    private EvalSummary run(Task task, Path questions, Path out, int batch, Predictor<String> model,
            ProgressListener listener) {
        EvalOptions options = EvalOptions.of(questions, out, task).withBatchSize(batch).withPrefetch(6, 3);
        return new EvalRunner<>(options, PREPARER, model, listener).run();
    }

    private static int expectedCorrect() {
        int correct = 0;
        for (int i = 0; i < ITEMS; i++) {
            if (!broken(i) && i % 3 != 0) {
                correct++;
            }
        }
        return correct;
    }

    private static final int BROKEN = 10; // 3, 13, 23, 33, 7, 17, 27, 5, 11, 16

    @Test
    void everyTaskRunsToTheEndWithBrokenItemsMarked() throws Exception {
        for (Task task : Task.values()) {
            Path questions = benchmark(task);
            Path out = dir.resolve("pred-" + task.cliName() + ".jsonl");
            List<Progress> progress = new ArrayList<>();
            List<String> itemErrors = new ArrayList<>();
            ProgressListener listener = new ProgressListener() {
                @Override
                public void onProgress(Progress p) {
                    progress.add(p);
                }

                @Override
                public void onItemError(EvalItem item, String message) {
                    itemErrors.add(item.id());
                }
            };
            EvalSummary summary = run(task, questions, out, 4, new FakeModel(task), listener);
            assertEquals(ITEMS, summary.shardItems(), task.cliName());
            assertEquals(ITEMS, summary.processed());
            assertEquals(BROKEN, summary.errors());
            assertEquals(BROKEN, itemErrors.size());
            assertEquals(BROKEN, summary.metrics().errors());
            assertEquals(ITEMS - BROKEN, summary.metrics().overall().n(), "errors are not in the denominator");
            assertEquals(expectedCorrect(), summary.metrics().overall().correct(), task.cliName());
            Progress last = progress.getLast();
            assertEquals(ITEMS, last.done());
            assertEquals(0, last.remaining());
            assertEquals(0, progress.getFirst().done());

            List<ObjectNode> lines = PredictionLog.readLines(out);
            assertEquals(ITEMS, lines.size());
            for (int i = 0; i < ITEMS; i++) {
                ObjectNode line = lines.get(i);
                assertEquals(i % 2 == 0, line.get("id").isNumber(), "ids keep their JSON type");
                assertEquals(broken(i), line.has("error"), "item " + i + ": " + line);
                if (!broken(i)) {
                    assertEquals(i % 3 != 0, line.get("correct").asBoolean(), "item " + i);
                    assertEquals(i + 100, line.get("token_ids").get(0).asInt());
                }
            }
            assertTrue(lines.get(3).get("error").asText().endsWith("clip3.mp4: no such file"));
            assertTrue(lines.get(7).get("error").asText().endsWith("cannot decode video (invalid data)"),
                    "errors are one line: " + lines.get(7).get("error"));
            assertEquals("questions.jsonl:6: \"video\" must be a file path", lines.get(5).get("error").asText());
            assertTrue(lines.get(11).get("error").asText().contains("does not fit the context"));
            assertEquals("clip16.mp4: decoder crashed", lines.get(16).get("error").asText());
            assertFalse(lines.get(15).has("error"), "the batch-mates of a failing item still get predictions");
        }
    }

    @Test
    void choiceRunReportsCircularAccuracy() throws Exception {
        Path questions = benchmark(Task.CHOICE);
        EvalSummary summary = run(Task.CHOICE, questions, dir.resolve("p.jsonl"), 3, new FakeModel(Task.CHOICE),
                ProgressListener.NONE);
        // Groups of 4 rotations: base-0 (0..3), ..., base-8 (32, 33). Every group holds an index divisible
        // by 3 (answered wrong) or a broken item, so none is all-correct.
        Metrics.Circular circular = summary.metrics().circular();
        assertEquals(0, circular.overall().correct());
        assertEquals(9, circular.overall().n() + circular.incomplete());
        String prompt = TaskPrompts.prompt(Questions.read(questions, null).get(1), Task.CHOICE);
        assertTrue(prompt.endsWith("A. plum\nB. fig\nC. pear\nD. apple\n" + TaskPrompts.CHOICE_INSTRUCTION + " ASSISTANT:"),
                prompt);
    }

    @Test
    void resumedRunProducesTheSameFileAsAnUninterruptedOne() throws Exception {
        Path questions = benchmark(Task.OPEN);
        Path whole = dir.resolve("whole.jsonl");
        run(Task.OPEN, questions, whole, 4, new FakeModel(Task.OPEN), ProgressListener.NONE);
        String expected = Files.readString(whole);

        // 1. A crash: the model dies on its fourth call; the run stops with the lines so far written.
        Path crashed = dir.resolve("crashed.jsonl");
        AtomicInteger calls = new AtomicInteger();
        FakeModel model = new FakeModel(Task.OPEN);
        Predictor<String> dying = batch -> {
            if (calls.incrementAndGet() == 4) {
                throw new IllegalStateException("simulated crash");
            }
            return model.predict(batch);
        };
        assertThrows(IllegalStateException.class,
                () -> run(Task.OPEN, questions, crashed, 4, dying, ProgressListener.NONE));
        String partial = Files.readString(crashed);
        assertTrue(expected.startsWith(partial) && partial.length() < expected.length(), "a prefix was written");
        // ... and the write of the next line was torn by the crash.
        String nextLine = expected.substring(partial.length(), expected.indexOf('\n', partial.length()));
        Files.writeString(crashed, nextLine.substring(0, nextLine.length() / 2), StandardOpenOption.APPEND);
        List<Progress> progress = new ArrayList<>();
        EvalSummary resumed = run(Task.OPEN, questions, crashed, 4, new FakeModel(Task.OPEN), progress::add);
        assertEquals(expected, Files.readString(crashed));
        assertEquals(partial.lines().count(), resumed.skipped());
        assertEquals(ITEMS, resumed.skipped() + resumed.processed());
        assertEquals(expectedCorrect(), resumed.metrics().overall().correct(), "metrics cover the whole file");
        assertEquals(resumed.skipped(), progress.getFirst().skipped());

        // 2. A file cut at an arbitrary byte (e.g. copied while running) resumes the same way.
        for (long cut : new long[] {0, 1, expected.length() / 3, expected.length() / 2 + 7, expected.length() - 1}) {
            Path copy = dir.resolve("cut-" + cut + ".jsonl");
            Files.writeString(copy, expected);
            try (FileChannel channel = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                channel.truncate(cut);
            }
            run(Task.OPEN, questions, copy, 4, new FakeModel(Task.OPEN), ProgressListener.NONE);
            assertEquals(expected, Files.readString(copy), "cut at byte " + cut);
        }

        // 3. A finished file stays as it is.
        EvalSummary again = run(Task.OPEN, questions, whole, 4, new FakeModel(Task.OPEN), ProgressListener.NONE);
        assertEquals(0, again.processed());
        assertEquals(expected, Files.readString(whole));
    }

    @Test
    void failuresThatAreNotAboutTheItemStopTheRun() throws Exception {
        Path questions = benchmark(Task.OPEN);
        Path out = dir.resolve("p.jsonl");
        Predictor<String> noGpu = batch -> {
            throw VllavaException.backendUnavailable("no CUDA device");
        };
        VllavaException e = assertThrows(VllavaException.class,
                () -> run(Task.OPEN, questions, out, 2, noGpu, ProgressListener.NONE));
        assertEquals(Failure.BACKEND_UNAVAILABLE, e.failure());
        assertTrue(PredictionLog.readLines(out).stream().noneMatch(l -> l.has("prediction")),
                "no item was marked done by a backend failure");
        assertTrue(PredictionLog.readLines(out).size() < ITEMS);
    }

    @Test
    void batchesHoldUpToBatchSizeItemsAndFailingBatchesAreRetriedOneByOne() throws Exception {
        Path questions = benchmark(Task.OPEN);
        FakeModel model = new FakeModel(Task.OPEN);
        run(Task.OPEN, questions, dir.resolve("p.jsonl"), 4, model, ProgressListener.NONE);
        assertTrue(model.batchSizes.stream().allMatch(size -> size >= 1 && size <= 4));
        // Batches are 4 consecutive items; those failed in preparation (9 of them) never reach the model.
        // Batch 16..19 reaches it as 16, 18, 19 (17 is corrupt); 16 fails it, so three single calls follow.
        int total = model.batchSizes.stream().mapToInt(Integer::intValue).sum();
        assertEquals(ITEMS - 9 + 3, total);
        assertEquals(List.of(3, 1, 1, 1), model.batchSizes.subList(4, 8), "batch 16..19, then retried one by one");
    }

    @Test
    void choiceItemsWithoutOptionsFail() throws Exception {
        Path questions = dir.resolve("q.jsonl");
        Files.writeString(questions, "{\"id\": 1, \"question\": \"Which?\", \"answer\": \"A\"}\n");
        Predictor<String> never = batch -> {
            throw new AssertionError("not called");
        };
        EvalSummary summary = new EvalRunner<>(EvalOptions.of(questions, dir.resolve("p.jsonl"), Task.CHOICE),
                (item, prompt) -> "", never, ProgressListener.NONE).run();
        assertEquals(1, summary.errors());
        assertEquals(1, summary.metrics().errors());
    }

    @Test
    void shardRunsOnlyItsItems() throws Exception {
        Path questions = benchmark(Task.YESNO);
        Path out = dir.resolve("shard1.jsonl");
        EvalOptions options = EvalOptions.of(questions, out, Task.YESNO).withShard(new Shard(1, 3));
        EvalSummary summary = new EvalRunner<>(options, PREPARER, new FakeModel(Task.YESNO), ProgressListener.NONE)
                .run();
        assertEquals(11, summary.shardItems(), "items 1, 4, ..., 31");
        List<ObjectNode> lines = PredictionLog.readLines(out);
        assertEquals(List.of("q-1", "4", "q-7"), lines.subList(0, 3).stream().map(l -> l.get("id").asText()).toList());
        assertEquals("yes", lines.get(1).get("parsed").asText());
    }

    @Test
    void replayingTheReferenceModelOnTheShapesBenchGivesTheReferenceScores() throws Exception {
        Path bench = Path.of("../testdata/shapes/bench");
        java.util.Map<String, ObjectNode> reference = new java.util.HashMap<>();
        for (ObjectNode line : PredictionLog.readLines(bench.resolve("reference_predictions.jsonl"))) {
            reference.put(line.get("id").asText(), line);
        }
        Predictor<String> replay = batch -> batch.stream().map(prepared -> {
            ObjectNode line = reference.get(prepared.item().id());
            int[] ids = new int[line.get("generated_ids").size()];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = line.get("generated_ids").get(k).asInt();
            }
            return Prediction.of(line.get("prediction").asText(), ids);
        }).toList();
        Path out = dir.resolve("shapes.jsonl");
        EvalOptions options = EvalOptions.of(bench.resolve("questions.jsonl"), out, Task.OPEN).withBatchSize(8);
        EvalSummary summary = new EvalRunner<>(options, PREPARER, replay, ProgressListener.NONE).run();
        assertEquals(0, summary.errors(), "every media file of the bench resolves");
        var plain = new com.fasterxml.jackson.databind.ObjectMapper();
        var expected = plain.readTree(bench.resolve("reference_accuracy.json").toFile());
        var ours = plain.readTree(summary.metrics().toJsonString());
        for (String key : List.of("overall", "per_type", "per_media_type")) {
            assertEquals(expected.get(key), ours.get(key), key);
        }
        ObjectNode first = PredictionLog.readLines(out).getFirst();
        assertEquals("{\"id\":\"v000\",\"video\":\"media/v000.mp4\",\"question\":\"What color is the shape?\","
                + "\"answer\":\"green\",\"type\":\"color\",\"prediction\":\"green\",\"token_ids\":[452,2],"
                + "\"correct\":true}", Jsonl.write(first), "output line = input fields + prediction fields");
    }

    @Test
    void progressReportsRateAndEta() {
        Progress p = new Progress(100, 20, 40, 3, 20_000_000_000L);
        assertEquals(2.0, p.itemsPerSecond(), 1e-9);
        assertEquals(40, p.remaining());
        assertEquals(Duration.ofSeconds(20), p.eta().orElseThrow());
        assertTrue(new Progress(10, 0, 0, 0, 0).eta().isEmpty());
        assertEquals("60/100 (3 errors, 20 resumed) 2.00 items/s ETA 20s", p.describe());
        assertEquals("1/9000 (0 errors) 1.00 items/s ETA 2h29m", new Progress(9000, 0, 1, 0, 1_000_000_000L).describe());
    }
}
