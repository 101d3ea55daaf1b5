package dev.vllava.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every broken input is one line naming the file, with the checkpoint exit code. */
class TokenizerLoadErrorTest {

    private static VllavaException failure(Path dir) {
        VllavaException e = assertThrows(VllavaException.class, () -> Tokenizer.load(dir));
        assertEquals(Failure.CHECKPOINT, e.failure());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e;
    }

    @Test
    void missingDirectory(@TempDir Path dir) {
        assertTrue(failure(dir.resolve("nope")).getMessage().contains("no such model directory"));
    }

    @Test
    void directoryWithoutTokenizerFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        assertTrue(failure(dir).getMessage().contains("no tokenizer.json or tokenizer.model"));
    }

    @Test
    void tokenizerJsonThatIsNotJson(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": ");
        assertTrue(failure(dir).getMessage().contains("tokenizer.json: not valid JSON"));
    }

    @Test
    void tokenizerJsonTheLibraryRejects(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}}");
        assertTrue(failure(dir).getMessage().contains("tokenizer.json"));
    }

    @Test
    void tokenizerModelThatIsNotAProtobuf(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("tokenizer.model"), new byte[] {(byte) 0x0a, (byte) 0xff, 1, 2, 3});
        assertTrue(failure(dir).getMessage().contains("tokenizer.model: not a sentencepiece model"));
    }

    @Test
    void corruptTokenizerConfig(@TempDir Path dir) throws IOException {
        Files.copy(TestData.TINY_A.resolve("model/tokenizer.model"), dir.resolve("tokenizer.model"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "[1, 2");
        assertTrue(failure(dir).getMessage().contains("tokenizer_config.json"));
    }

    @Test
    void decodeOfAnIdOutsideTheVocabulary() {
        Tokenizer tokenizer = Tokenizer.load(TestData.TINY_A.resolve("model"));
        VllavaException e = assertThrows(VllavaException.class, () -> tokenizer.decode(new int[] {5, 1003}, true));
        assertEquals(Failure.CHECKPOINT, e.failure());
        assertTrue(e.getMessage().contains("1003"), e.getMessage());
    }

    @Test
    void onlyTokenizerFilesAreNeeded(@TempDir Path dir) throws IOException {
        Files.copy(TestData.REALVOCAB.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Tokenizer tokenizer = Tokenizer.load(dir);
        assertEquals(1, tokenizer.encode("Hi", true)[0], "BOS by default without tokenizer_config.json");
    }
}
