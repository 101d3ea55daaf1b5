package dev.vllava.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.model.MediaKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuestionsTest {
    @TempDir
    Path dir;

    private Path write(String... lines) throws Exception {
        Path file = dir.resolve("questions.jsonl");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    @Test
    void shapesBenchParsesWithMediaResolvedAgainstItsFolder() {
        Path questions = Path.of("../testdata/shapes/bench/questions.jsonl");
        List<EvalItem> items = Questions.read(questions, null);
        assertEquals(62, items.size());
        EvalItem first = items.getFirst();
        assertEquals("v000", first.id());
        assertEquals("color", first.type());
        assertEquals("green", first.answer());
        assertEquals(MediaKind.VIDEO, first.media().getFirst().kind());
        assertTrue(Files.isRegularFile(first.media().getFirst().path()), "resolved: " + first.media());
        assertEquals("image", items.get(42).mediaKind());
        assertTrue(items.stream().allMatch(EvalItem::valid));
    }

    @Test
    void idsKeepTheirJsonTypeAndCompareAsText() throws Exception {
        List<EvalItem> items = Questions.read(write(
                "{\"id\": 17, \"image\": \"a.png\", \"question\": \"q\", \"extra\": {\"k\": [1, 2.50]}}",
                "",
                "{\"id\": \"x-1\", \"video\": \"/abs/b.mp4\", \"question\": \"q\"}"), dir.resolve("media"));
        assertEquals("17", items.get(0).id());
        assertTrue(items.get(0).idNode().isNumber());
        assertEquals(dir.resolve("media/a.png"), items.get(0).media().getFirst().path());
        assertEquals(Path.of("/abs/b.mp4"), items.get(1).media().getFirst().path(), "absolute paths stay");
        assertEquals(1, items.get(1).index(), "blank lines do not count");
        assertEquals(3, items.get(1).lineNumber());
        assertEquals("{\"id\":17,\"image\":\"a.png\",\"question\":\"q\",\"extra\":{\"k\":[1,2.50]}}",
                Jsonl.write(items.get(0).fields()), "other fields are kept verbatim");
    }

    @Test
    void imagesComeBeforeVideosWhateverTheFieldOrder() throws Exception {
        EvalItem item = Questions.read(write(
                "{\"id\": 1, \"videos\": [\"v1.mp4\", \"v2.mp4\"], \"images\": [\"i1.png\"], \"question\": \"q\"}"),
                null).getFirst();
        assertEquals(List.of(MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.VIDEO),
                item.media().stream().map(MediaRef::kind).toList());
        assertEquals("image+video", item.mediaKind());
    }

    @Test
    void malformedItemsWithAnIdBecomeItemErrors() throws Exception {
        List<EvalItem> items = Questions.read(write(
                "{\"id\": 1, \"video\": 5, \"question\": \"q\"}",
                "{\"id\": 2, \"video\": \"a.mp4\"}",
                "{\"id\": 3, \"video\": \"a.mp4\", \"question\": \"q\", \"options\": 7}"), null);
        assertEquals("questions.jsonl:1: \"video\" must be a file path", items.get(0).problem());
        assertEquals("questions.jsonl:2: no \"question\"", items.get(1).problem());
        assertTrue(items.get(2).problem().contains("options"));
    }

    @Test
    void lineWithoutIdIsAUsageErrorNamingTheLine() throws Exception {
        VllavaException e = assertThrows(VllavaException.class, () -> Questions.read(write(
                "{\"id\": 1, \"question\": \"q\"}", "{\"question\": \"q\"}"), null));
        assertEquals(Failure.USAGE, e.failure());
        assertTrue(e.getMessage().endsWith("questions.jsonl:2: no \"id\" (each line needs a string or number id)"),
                e.getMessage());
    }

    @Test
    void invalidJsonAndRepeatedIdsAreUsageErrors() throws Exception {
        assertTrue(assertThrows(VllavaException.class, () -> Questions.read(write("{\"id\": 1,"), null))
                .getMessage().endsWith("questions.jsonl:1: not valid JSON"));
        assertTrue(assertThrows(VllavaException.class, () -> Questions.read(write(
                "{\"id\": 1, \"question\": \"q\"}", "{\"id\": \"1\", \"question\": \"q\"}"), null))
                .getMessage().contains("id 1 repeats line 1"));
    }

    @Test
    void byteOrderMarkAndWindowsLineEndsAreAccepted() throws Exception {
        Path file = dir.resolve("bom.jsonl");
        Files.writeString(file, "\uFEFF{\"id\": 1, \"question\": \"q\"}\r\n{\"id\": 2, \"question\": \"q\"}\r\n");
        assertEquals(List.of("1", "2"), Questions.read(file, null).stream().map(EvalItem::id).toList());
    }

    @Test
    void optionsAsListOrLetterObjectAndNanHints() throws Exception {
        List<EvalItem> items = Questions.read(write(
                "{\"id\": 1, \"question\": \"q\", \"options\": [\"x\", \"y\", \"nan\"], \"hint\": \"nan\"}",
                "{\"id\": 2, \"question\": \"q\", \"options\": {\"A\": \"x\", \"B\": \"y\", \"C\": null}}"), null);
        assertEquals(List.of(new ChoiceOption("A", "x"), new ChoiceOption("B", "y")), items.get(0).options());
        assertNull(items.get(0).hint());
        assertEquals(items.get(0).options(), items.get(1).options());
    }

    @Test
    void taskIsInferredFromTheItems() throws Exception {
        assertEquals(Task.OPEN, Task.infer(Questions.read(Path.of("../testdata/shapes/bench/questions.jsonl"), null)));
        assertEquals(Task.YESNO, Task.infer(Questions.read(write(
                "{\"id\": 1, \"question\": \"q\", \"answer\": \"Yes\"}", "{\"id\": 2, \"question\": \"q\", \"answer\": \"no\"}"),
                null)));
        assertEquals(Task.CHOICE, Task.infer(Questions.read(write(
                "{\"id\": 1, \"question\": \"q\", \"answer\": \"A\", \"options\": [\"x\", \"y\"]}"), null)));
        assertEquals(Task.YESNO, Task.parse(" YesNo "));
        assertThrows(VllavaException.class, () -> Task.parse("vqa"));
    }

    @Test
    void aFileWithoutQuestionsIsAUsageError(@org.junit.jupiter.api.io.TempDir Path temp) throws Exception {
        Path blank = java.nio.file.Files.writeString(temp.resolve("blank.jsonl"), "\n   \n");
        dev.vllava.VllavaException e = org.junit.jupiter.api.Assertions.assertThrows(dev.vllava.VllavaException.class,
                () -> Questions.read(blank, null));
        org.junit.jupiter.api.Assertions.assertEquals(dev.vllava.Failure.USAGE, e.failure());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().endsWith("no questions (the file is empty)"), e.getMessage());
    }

    @Test
    void aUrlAsMediaIsAnItemProblemShownAsGiven(@org.junit.jupiter.api.io.TempDir Path temp) throws Exception {
        Path file = java.nio.file.Files.writeString(temp.resolve("q.jsonl"),
                "{\"id\": 1, \"question\": \"q\", \"video\": \"http://127.0.0.1/clip.mp4\"}\n");
        EvalItem item = Questions.read(file, null).getFirst();
        org.junit.jupiter.api.Assertions.assertTrue(item.problem().contains("http://127.0.0.1/clip.mp4: a URL"), item.problem());
    }
}
