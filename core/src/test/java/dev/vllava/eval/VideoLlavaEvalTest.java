package dev.vllava.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.engine.Engine;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.generate.GenerationOptions;
import dev.vllava.generate.SamplingOptions;
import dev.vllava.generate.TokenListener;
import dev.vllava.model.Answer;
import dev.vllava.model.GoldenData;
import dev.vllava.model.LoadedVideoLlava;
import dev.vllava.model.MediaKind;
import dev.vllava.model.VisualInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The eval runner with the real model ({@link VideoLlavaPredictor}, {@link VideoLlavaMediaPreparer}) on the
 * CPU engine: the shapes bench reproduces the reference predictions and accuracy, and on a generated
 * mini benchmark (tiny-a, broken items included) every prediction is the one {@code LoadedVideoLlava.answer}
 * gives (what {@code vllava ask} runs), whatever the batch size.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VideoLlavaEvalTest {
    private static final Path SHAPES = GoldenData.testdata().resolve("shapes");
    private static final int MAX_NEW_TOKENS = 4;
    private static final int ITEMS = 32;

    @TempDir
    static Path dir;
    private Engine engine;
    private LoadedVideoLlava tinyA;
    private final Map<Task, Path> batchedRuns = new EnumMap<>(Task.class);

    @BeforeAll
    void load() {
        engine = new CpuEngine(2);
        tinyA = LoadedVideoLlava.load(GoldenData.testdata().resolve("tiny-a/model"), engine);
    }

    @AfterAll
    void close() {
        tinyA.close();
        engine.close();
    }

    private static EvalSummary run(LoadedVideoLlava pipeline, EvalOptions options, int maxNewTokens) {
        return run(pipeline, options, maxNewTokens, true);
    }

    private static EvalSummary run(LoadedVideoLlava pipeline, EvalOptions options, int maxNewTokens, boolean reusePrefixes) {
        GenerationOptions generation = pipeline.options(maxNewTokens, SamplingOptions.GREEDY);
        try (VideoLlavaPredictor predictor = new VideoLlavaPredictor(pipeline, generation, reusePrefixes)) {
            return new EvalRunner<>(options, new VideoLlavaMediaPreparer(pipeline, 8, reusePrefixes), predictor,
                    ProgressListener.NONE).run();
        }
    }

    /**
     * Many questions per medium (runs of one video's questions, an interleaved stretch, a text item and a
     * missing file among them): the predictions are the same bytes with and without prefix reuse, at batch 1 and 8.
     */
    @Test
    void prefixReuseChangesNoByteOfTheOutput() throws Exception {
        MiniBench.write(dir, Task.OPEN, 1); // the media
        String[] media = {"media/clip0.mp4", "media/clip1.mp4", "media/still2.png", "media/clip2.mp4", "media/missing.mp4"};
        String[] asked = {"What color is the square?", "Is it moving?", "Describe the clip in one word.", "Where is the square?",
            "What is the background color?", "How many squares are there?"};
        StringBuilder lines = new StringBuilder();
        int id = 0;
        for (int m = 0; m < media.length; m++) {
            for (int q = 0; q < asked.length; q++) {
                String medium = m == 3 && q % 2 == 1 ? media[0] : media[m]; // clip2's questions interleave with clip0's
                String key = medium.endsWith(".png") ? "image" : "video";
                lines.append(String.format("{\"id\": \"q%d\", \"%s\": \"%s\", \"question\": \"%s\", \"answer\": \"red\"}%n",
                        id++, key, medium, asked[q]));
            }
        }
        lines.append(String.format("{\"id\": \"q%d\", \"question\": \"%s\", \"answer\": \"red\"}%n", id, asked[0]));
        Path questions = dir.resolve("many-questions.jsonl");
        Files.writeString(questions, lines);
        String expected = null;
        for (int batch : new int[] {1, 8}) {
            for (boolean reuse : new boolean[] {false, true}) {
                Path out = dir.resolve("many-" + batch + "-" + reuse + ".jsonl");
                run(tinyA, EvalOptions.of(questions, out, Task.OPEN).withBatchSize(batch), MAX_NEW_TOKENS, reuse);
                String written = Files.readString(out);
                if (expected == null) {
                    expected = written;
                    assertEquals(media.length * asked.length + 1, written.lines().count());
                }
                assertEquals(expected, written, "batch " + batch + (reuse ? " with" : " without") + " prefix reuse");
            }
        }
        assertEquals(0, tinyA.model().decoder().kvBlocks().held(), "every prefix closed with the predictor");
        assertTrue(tinyA.model().decoder().kvBlocks().peak() > 0, "the runs with reuse used shared blocks");
    }

    @Test
    void shapesBenchReproducesReferencePredictionsAndAccuracy() throws Exception {
        Path out = dir.resolve("shapes.jsonl");
        EvalSummary summary;
        try (LoadedVideoLlava shapes = LoadedVideoLlava.load(SHAPES.resolve("model"), engine)) {
            summary = run(shapes, EvalOptions.of(SHAPES.resolve("bench/questions.jsonl"), out, Task.OPEN).withBatchSize(4), 8);
        }
        assertEquals(0, summary.errors());
        Map<String, JsonNode> reference = new HashMap<>();
        for (ObjectNode line : PredictionLog.readLines(SHAPES.resolve("bench/reference_predictions.jsonl"))) {
            reference.put(line.get("id").asText(), line);
        }
        List<ObjectNode> lines = PredictionLog.readLines(out);
        assertEquals(62, lines.size());
        for (ObjectNode line : lines) {
            JsonNode expected = reference.get(line.get("id").asText());
            assertEquals(expected.get("generated_ids"), line.get("token_ids"), "ids of " + line.get("id"));
            assertEquals(expected.get("prediction"), line.get("prediction"), "prediction of " + line.get("id"));
        }
        ObjectMapper plain = new ObjectMapper();
        JsonNode expected = plain.readTree(SHAPES.resolve("bench/reference_accuracy.json").toFile());
        JsonNode ours = plain.readTree(summary.metrics().toJsonString());
        for (String key : List.of("overall", "per_type", "per_media_type")) {
            assertEquals(expected.get(key), ours.get(key), key);
        }
    }

    /** The task's mini benchmark run once with batch 5 (the decode steps then hold 5, 4, ... rows). */
    private Path batchedRun(Task task) throws Exception {
        if (!batchedRuns.containsKey(task)) {
            Path questions = MiniBench.write(dir, task, ITEMS);
            Path out = dir.resolve(task.cliName() + "-batch5.jsonl");
            run(tinyA, EvalOptions.of(questions, out, task).withBatchSize(5), MAX_NEW_TOKENS);
            batchedRuns.put(task, out);
        }
        return batchedRuns.get(task);
    }

    @ParameterizedTest
    @EnumSource(Task.class)
    void miniBenchPredictionsEqualPipelineAnswerItemByItem(Task task) throws Exception {
        List<ObjectNode> lines = PredictionLog.readLines(batchedRun(task));
        List<EvalItem> items = Questions.read(dir.resolve(task.cliName() + ".jsonl"), null);
        assertEquals(ITEMS, lines.size());
        for (int i = 0; i < ITEMS; i++) {
            ObjectNode line = lines.get(i);
            EvalItem item = items.get(i);
            assertEquals(item.id(), line.get("id").asText(), "lines in input order");
            if (MiniBench.broken(i)) {
                assertTrue(line.has("error") && !line.has("prediction"), "broken item " + item.id() + ": " + line);
                assertTrue(line.get("error").asText().contains(expectedError(MiniBench.kind(i))),
                        item.id() + ": " + line.get("error"));
                continue;
            }
            Answer answer = tinyA.answer(TaskPrompts.prompt(item, task), media(item), tinyA.options(MAX_NEW_TOKENS,
                    SamplingOptions.GREEDY), TokenListener.NONE);
            assertEquals(new ObjectMapper().valueToTree(answer.tokenIds()), line.get("token_ids"), "ids of " + item.id());
            assertEquals(answer.text().strip(), line.get("prediction").asText(), "prediction of " + item.id());
        }
        Metrics metrics = Scorer.score(task, batchedRun(task));
        long broken = java.util.stream.IntStream.range(0, ITEMS).filter(MiniBench::broken).count();
        assertEquals(8, broken, "4 broken items in each of two 14-item cycles");
        assertEquals(broken, metrics.errors());
        assertEquals(ITEMS - broken, metrics.overall().n() + metrics.unscored());
    }

    private static String expectedError(MiniBench.Kind kind) {
        return switch (kind) {
            case MISSING_VIDEO -> "missing.mp4: file not found";
            case CORRUPT_VIDEO -> "corrupt.mp4: ";
            case CORRUPT_IMAGE -> "corrupt.png: ";
            case TOO_LONG -> "the prompt needs";
            default -> throw new IllegalArgumentException(kind.name());
        };
    }

    private List<VisualInput> media(EvalItem item) {
        List<VisualInput> media = new ArrayList<>();
        for (MediaRef ref : item.media()) {
            media.add(ref.kind() == MediaKind.IMAGE ? tinyA.image(ref.path()) : tinyA.video(ref.path(), 8));
        }
        return media;
    }

    @Test
    void batchSizeChangesNoByteOfTheOutput() throws Exception {
        Path questions = MiniBench.write(dir, Task.OPEN, ITEMS);
        Path alone = dir.resolve("open-batch1.jsonl");
        run(tinyA, EvalOptions.of(questions, alone, Task.OPEN), MAX_NEW_TOKENS);
        Path wide = dir.resolve("open-batch12.jsonl");
        run(tinyA, EvalOptions.of(questions, wide, Task.OPEN).withBatchSize(12), MAX_NEW_TOKENS);
        String batch5 = Files.readString(batchedRun(Task.OPEN));
        assertEquals(Files.readString(alone), batch5, "batch 1 and batch 5");
        assertEquals(Files.readString(alone), Files.readString(wide), "batch 1 and batch 12 (decoded in steps of 8 rows)");
    }
}
