package dev.vllava.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import dev.vllava.eval.format.QuestionFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The original benchmark files (testdata/eval-formats) read as they are distributed give the same items,
 * and the same predictions, as the same items written as vllava JSON Lines.
 */
class FormatsTest {
    private static final Path FORMATS = Path.of("../testdata/eval-formats");

    @TempDir
    Path dir;

    /** Reads the media bytes, failing on a missing file as the real preparer does. */
    private static final MediaPreparer<String> PREPARER = (item, prompt) -> {
        StringBuilder sizes = new StringBuilder();
        for (MediaRef ref : item.media()) {
            try {
                sizes.append(ref.path().getFileName()).append(':').append(Files.size(ref.path())).append(' ');
            } catch (java.io.IOException e) {
                throw VllavaException.media("%s: no such file", ref.path());
            }
        }
        return sizes.toString();
    };

    /** A fake model whose answer is a function of the prompt and of the media bytes it was given. */
    private static final Predictor<String> MODEL = batch -> batch.stream()
            .map(prepared -> Prediction.of(Integer.toHexString(prepared.prompt().hashCode()) + " " + prepared.prepared(),
                    new int[] {2}))
            .toList();

    @Test
    void videoQaFilesAreMatchedByQuestionIdAndVideosFoundByName() throws Exception {
        Path root = FORMATS.resolve("videoqa/videos");
        List<EvalItem> original = Questions.read(FORMATS.resolve("videoqa/test_q.json"),
                FORMATS.resolve("videoqa/test_a.json"), null, root);
        List<EvalItem> jsonl = Questions.read(FORMATS.resolve("videoqa/same-items.jsonl"), root);
        assertSameItems(jsonl, original);
        assertEquals("v_act001.mp4", original.get(1).media().getFirst().path().getFileName().toString(),
                "ActivityNet's v_ prefix");
        assertSamePredictions("videoqa/test_q.json", "videoqa/test_a.json", QuestionFormat.VIDEOQA, root,
                "videoqa/same-items.jsonl");
    }

    @Test
    void popeQuestionsTakeTheLabelsOfTheirCategoryInOrder() throws Exception {
        Path root = FORMATS.resolve("pope/images");
        List<EvalItem> original = Questions.read(FORMATS.resolve("pope/llava_pope_test.jsonl"),
                FORMATS.resolve("pope/coco"), null, root);
        assertSameItems(Questions.read(FORMATS.resolve("pope/same-items.jsonl"), root), original);
        assertEquals(Task.YESNO, Task.infer(original));
        assertSamePredictions("pope/llava_pope_test.jsonl", "pope/coco", QuestionFormat.POPE, root,
                "pope/same-items.jsonl");
    }

    @Test
    void mmbenchTsvWritesItsImagesAndResolvesRotatedRowsToTheMainRowsImage() throws Exception {
        Path images = dir.resolve("images");
        List<EvalItem> original = Questions.read(FORMATS.resolve("mmbench/mmbench_dev_en.tsv"), null, null, images);
        assertSameItems(Questions.read(FORMATS.resolve("mmbench/same-items.jsonl"), images), original);
        assertEquals("Look at the picture.\nIt is \"small\".", original.get(1).hint(), "quoted TSV cell");
        assertEquals(List.of("A", "B"), original.get(1).options().stream().map(ChoiceOption::letter).toList(),
                "empty cells are absent options");
        assertTrue(Files.isRegularFile(images.resolve("0.png")));
        assertEquals(original.get(0).media(), original.get(2).media(), "row 1000000 shows row 0's image");
        assertEquals(Task.CHOICE, Task.infer(original));
        assertSamePredictions("mmbench/mmbench_dev_en.tsv", null, QuestionFormat.MMBENCH, images,
                "mmbench/same-items.jsonl");
    }

    @Test
    void formatsAreInferredWhereUnambiguous() {
        assertEquals(QuestionFormat.VIDEOQA, QuestionFormat.infer(FORMATS.resolve("videoqa/test_q.json")));
        assertEquals(QuestionFormat.POPE, QuestionFormat.infer(FORMATS.resolve("pope/llava_pope_test.jsonl")));
        assertEquals(QuestionFormat.MMBENCH, QuestionFormat.infer(FORMATS.resolve("mmbench/mmbench_dev_en.tsv")));
        assertEquals(QuestionFormat.JSONL, QuestionFormat.infer(FORMATS.resolve("pope/same-items.jsonl")));
    }

    @Test
    void videoQaAnswersWithoutIdsArePairedByPositionAndMismatchedCountsRefused() throws Exception {
        Path questions = dir.resolve("q.json");
        Files.writeString(questions, "[{\"video_name\": \"a\", \"question\": \"q1?\"}, {\"video_name\": \"b\", \"question\": \"q2?\"}]");
        Path answers = dir.resolve("a.json");
        Files.writeString(answers, "[{\"answer\": \"one\"}, {\"answer\": \"two\"}]");
        List<EvalItem> items = Questions.read(questions, answers, QuestionFormat.VIDEOQA, dir);
        assertEquals(List.of("one", "two"), items.stream().map(EvalItem::answer).toList());
        assertEquals(List.of("0", "1"), items.stream().map(EvalItem::id).toList(), "no question_id: the position");
        Files.writeString(answers, "[{\"answer\": \"one\"}]");
        VllavaException e = assertThrows(VllavaException.class,
                () -> Questions.read(questions, answers, QuestionFormat.VIDEOQA, dir));
        assertTrue(e.getMessage().contains("1 answers for 2 questions"), e.getMessage());
    }

    @Test
    void videosAreTriedWithEachBenchmarkExtensionAndActivityNetsPrefix() throws Exception {
        for (String file : List.of("clip.avi", "gif1.gif", "v_anet.mkv", "webm1.webm")) {
            Files.writeString(dir.resolve(file), "x");
        }
        Path questions = dir.resolve("q.json");
        Files.writeString(questions, "[{\"video_name\": \"clip\", \"question\": \"?\", \"question_id\": 1},"
                + "{\"video_name\": \"gif1\", \"question\": \"?\", \"question_id\": 2},"
                + "{\"video_name\": \"anet\", \"question\": \"?\", \"question_id\": 3},"
                + "{\"video_name\": \"webm1\", \"question\": \"?\", \"question_id\": 4}]");
        assertEquals(List.of("clip.avi", "gif1.gif", "v_anet.mkv", "webm1.webm"),
                Questions.read(questions, null, null, dir).stream()
                        .map(item -> item.media().getFirst().path().getFileName().toString()).toList());
    }

    @Test
    void popeLabelFilesThatDoNotMatchTheQuestionsAreRefused() throws Exception {
        Path labels = Files.createDirectories(dir.resolve("coco"));
        Files.writeString(labels.resolve("coco_pope_random.json"),
                "{\"question_id\": 1, \"image\": \"other.jpg\", \"text\": \"Is there a blue shape in the image?\", \"label\": \"yes\"}\n");
        VllavaException e = assertThrows(VllavaException.class, () -> Questions.read(
                FORMATS.resolve("pope/llava_pope_test.jsonl"), labels, null, dir));
        assertTrue(e.getMessage().contains("llava_pope_test.jsonl:1: does not match line 1 of coco_pope_random.json"),
                e.getMessage());
    }

    private static void assertSameItems(List<EvalItem> expected, List<EvalItem> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            EvalItem want = expected.get(i);
            EvalItem got = actual.get(i);
            String at = "item " + want.id();
            assertEquals(want.id(), got.id(), at);
            assertEquals(want.question(), got.question(), at);
            assertEquals(want.answer(), got.answer(), at);
            assertEquals(want.hint(), got.hint(), at);
            assertEquals(want.options(), got.options(), at);
            assertEquals(want.media(), got.media(), at);
            assertEquals(want.type(), got.type(), at);
        }
    }

    private void assertSamePredictions(String questions, String answers, QuestionFormat format, Path root,
            String sameItems) {
        Map<String, String> original = predictions(EvalOptions.of(FORMATS.resolve(questions), dir.resolve("a.jsonl"), null)
                .withFormat(format, answers == null ? null : FORMATS.resolve(answers)).withMediaRoot(root));
        Map<String, String> jsonl = predictions(EvalOptions.of(FORMATS.resolve(sameItems), dir.resolve("b.jsonl"), null)
                .withMediaRoot(root));
        assertEquals(jsonl, original);
    }

    /** Runs the fake model; id -> prediction, or the error with the path made relative. */
    private Map<String, String> predictions(EvalOptions options) {
        List<EvalItem> items = Questions.read(options.questions(), options.answers(), options.format(), options.mediaRoot());
        EvalOptions withTask = new EvalOptions(options.questions(), options.out(), options.mediaRoot(), Task.infer(items),
                1, Shard.ALL, 4, 2, false, options.answers(), options.format());
        new EvalRunner<>(withTask, PREPARER, MODEL, ProgressListener.NONE).run();
        Map<String, String> byId = new LinkedHashMap<>();
        List<ObjectNode> lines = new ArrayList<>(PredictionLog.readLines(options.out()));
        for (ObjectNode line : lines) {
            String outcome = line.has("error") ? "error " + line.get("error").asText().replaceAll(".*/", "")
                    : line.get("prediction").asText() + " correct=" + line.path("correct").asText();
            byId.put(line.get("id").asText(), outcome);
        }
        return byId;
    }
}
