package dev.vllava.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real Video-LLaVA-7B-hf tokenizer.json (32000 pieces + image/video/pad) against the reference tokenizers
 * library: every case of cases.jsonl and the realvocab golden prompts.
 */
class RealVocabJsonTest {
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(TestData.REALVOCAB);
    }

    @Test
    void readsTheVocabulary() {
        assertEquals("tokenizer.json", tokenizer.kind());
        assertEquals(32003, tokenizer.vocabSize());
        assertEquals(1, tokenizer.bosId());
        assertEquals(2, tokenizer.eosId());
        assertEquals(32000, tokenizer.tokenId("<image>").orElseThrow());
        assertEquals(32001, tokenizer.tokenId("<video>").orElseThrow());
        assertEquals(32002, tokenizer.tokenId("<pad>").orElseThrow());
        assertEquals("▁the", tokenizer.piece(278));
    }

    @Test
    void nativeLibraryIsLoadedOfflineFromTheJar() {
        // Set before DJL loads: no download of another flavour, no telemetry, extraction to a cache folder.
        assertEquals("true", System.getProperty("ai.djl.offline"));
        assertEquals("true", System.getProperty("OPT_OUT_TRACKING"));
        String cache = System.getProperty("ENGINE_CACHE_DIR", System.getenv("ENGINE_CACHE_DIR"));
        if (cache != null) {
            try (var files = Files.walk(Path.of(cache))) {
                assertTrue(files.anyMatch(f -> f.getFileName().toString().equals("libtokenizers.so")),
                        "libtokenizers.so extracted under " + cache);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void everyCaseOfCasesJsonlMatches() throws IOException {
        List<String> lines = Files.readAllLines(TestData.REALVOCAB.resolve("cases.jsonl"));
        assertEquals(902, lines.size());
        for (String line : lines) {
            JsonNode c = TestData.JSON.readTree(line);
            String text = c.get("text").asText();
            boolean special = c.get("add_special_tokens").asBoolean();
            int[] expected = TestData.ints(c.get("ids"));
            assertArrayEquals(expected, tokenizer.encode(text, special), () -> "encode " + line);
            assertEquals(c.get("decoded").asText(), tokenizer.decode(expected, false), () -> "decode " + line);
            assertEquals(c.get("decoded_skip_special").asText(), tokenizer.decode(expected, true),
                    () -> "decode skipping special tokens " + line);
        }
    }

    @Test
    void realVocabGoldenPromptsMatch() {
        JsonNode golden = TestData.read(TestData.REALVOCAB.resolve("realvocab-prompts.json"));
        for (JsonNode prompt : golden.get("prompts")) {
            int[] expected = TestData.ints(prompt.get("unexpanded_input_ids"));
            assertArrayEquals(expected, tokenizer.encode(prompt.get("text").asText(), true));
            int[] generated = TestData.ints(prompt.get("generated_ids"));
            assertEquals(prompt.get("generated_text").asText(), tokenizer.decode(generated, true));
            assertEquals(prompt.get("generated_text_keep_special").asText(), tokenizer.decode(generated, false));
            int[] all = new int[expected.length + generated.length];
            System.arraycopy(expected, 0, all, 0, expected.length);
            System.arraycopy(generated, 0, all, expected.length, generated.length);
            assertEquals(prompt.get("full_sequence_decoded").asText(), tokenizer.decode(all, true));
        }
    }
}
