package dev.vllava.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** add_bos_token / add_eos_token of tokenizer_config.json decide BOS/EOS for both kinds (the JSON's own
 *  post-processor is replaced, as LlamaTokenizerFast.update_post_processor does). */
class BosEosConfigTest {

    private static Tokenizer withFlags(Path dir, Path model, String file, boolean bos, boolean eos) throws IOException {
        Files.copy(model.resolve(file), dir.resolve(file));
        String config = Files.readString(model.resolve("tokenizer_config.json"))
                .replace("\"add_bos_token\": true", "\"add_bos_token\": " + bos)
                .replace("\"add_eos_token\": false", "\"add_eos_token\": " + eos);
        Files.writeString(dir.resolve("tokenizer_config.json"), config);
        return Tokenizer.load(dir);
    }

    @Test
    void tokenizerJsonWithEosAndWithoutBos(@TempDir Path dir) throws IOException {
        Tokenizer tokenizer = withFlags(dir, TestData.REALVOCAB, "tokenizer.json", false, true);
        assertArrayEquals(new int[] {15043, 3186, 2}, tokenizer.encode("Hello world", true));
        assertArrayEquals(new int[] {15043, 3186}, tokenizer.encode("Hello world", false));
    }

    @Test
    void tokenizerJsonWithBosAndEos(@TempDir Path dir) throws IOException {
        Tokenizer tokenizer = withFlags(dir, TestData.REALVOCAB, "tokenizer.json", true, true);
        assertArrayEquals(new int[] {1, 15043, 3186, 2}, tokenizer.encode("Hello world", true));
    }

    @Test
    void tokenizerModelWithEosAndWithoutBos(@TempDir Path dir) throws IOException {
        Tokenizer tokenizer = withFlags(dir, TestData.TINY_A.resolve("model"), "tokenizer.model", false, true);
        assertArrayEquals(new int[] {719, 946, 440, 980, 2}, tokenizer.encode("USER:", true));
    }
}
