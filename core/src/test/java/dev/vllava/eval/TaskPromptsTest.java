package dev.vllava.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TaskPromptsTest {
    private static EvalItem item(String json) throws Exception {
        return EvalItem.parse(Jsonl.MAPPER.readTree(json), "q.jsonl", 1, 0, Path.of("/media"));
    }

    @Test
    void videoPromptMatchesVideoLlavaTemplate() throws Exception {
        EvalItem item = item("{\"id\": 1, \"video\": \"v.mp4\", \"question\": \"What color is the shape?\"}");
        assertEquals("USER: <video>\nWhat color is the shape? ASSISTANT:", TaskPrompts.prompt(item, Task.OPEN));
    }

    @Test
    void imagesComeFirstOnePlaceholderLineEach() throws Exception {
        EvalItem item = item("{\"id\": 1, \"video\": \"v.mp4\", \"images\": [\"a.png\", \"b.png\"], \"question\": \"Q?\"}");
        assertEquals("USER: <image>\n<image>\n<video>\nQ? ASSISTANT:", TaskPrompts.prompt(item, Task.OPEN));
    }

    @Test
    void yesNoQuestionsAreAskedAsGiven() throws Exception {
        EvalItem item = item("{\"id\": 1, \"image\": \"a.jpg\", \"question\": \"Is there a dog in the image?\\n"
                + "Answer the question using a single word or phrase.\"}");
        assertEquals("USER: <image>\nIs there a dog in the image?\nAnswer the question using a single word or phrase."
                + " ASSISTANT:", TaskPrompts.prompt(item, Task.YESNO));
    }

    @Test
    void choicePromptListsOptionsAndAsksForTheLetterAsLlavaMmbenchEval() throws Exception {
        ObjectNode json = (ObjectNode) Jsonl.MAPPER.readTree(
                "{\"id\": 1, \"image\": \"a.jpg\", \"question\": \"Which fruit?\", \"hint\": \"Look closely.\"}");
        json.putArray("options").add("apple").add("pear");
        EvalItem item = EvalItem.parse(json, "q.jsonl", 1, 0, Path.of("/media"));
        assertEquals("USER: <image>\nLook closely.\nWhich fruit?\nA. apple\nB. pear\n"
                + "Answer with the option's letter from the given choices directly. ASSISTANT:",
                TaskPrompts.prompt(item, Task.CHOICE));
    }
}
