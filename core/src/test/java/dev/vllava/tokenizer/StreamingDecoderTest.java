package dev.vllava.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Printing the streamed pieces must print exactly decode(all, skipSpecialTokens = true), never half a character. */
class StreamingDecoderTest {
    private static Tokenizer json;
    private static Tokenizer model;

    @BeforeAll
    static void load() {
        json = Tokenizer.load(TestData.REALVOCAB);
        model = Tokenizer.load(TestData.TINY_A.resolve("model"));
    }

    private static List<String> stream(Tokenizer tokenizer, int[] ids) {
        StreamingDecoder decoder = tokenizer.streamingDecoder();
        List<String> chunks = new ArrayList<>();
        for (int id : ids) {
            chunks.add(decoder.accept(id));
        }
        chunks.add(decoder.flush());
        return chunks;
    }

    private static void assertStreamsLikeDecode(Tokenizer tokenizer, int[] ids, String what) {
        List<String> chunks = stream(tokenizer, ids);
        assertEquals(tokenizer.decode(ids, true), String.join("", chunks), what);
    }

    private static void assertWholeCharacters(List<String> chunks, String what) {
        for (String chunk : chunks) {
            assertFalse(chunk.contains("\uFFFD"), what + ": replacement character in chunk '" + chunk + "'");
            if (!chunk.isEmpty()) {
                assertFalse(Character.isHighSurrogate(chunk.charAt(chunk.length() - 1)), what + ": split surrogate");
                assertFalse(Character.isLowSurrogate(chunk.charAt(0)), what + ": split surrogate");
            }
        }
    }

    @Test
    void goldenGenerationsStreamLikeDecode() {
        for (JsonNode prompt : TestData.read(TestData.TINY_A.resolve("golden.json")).get("prompts")) {
            int[] ids = TestData.ints(prompt.get("generated_ids"));
            assertEquals(prompt.get("generated_text").asText(), String.join("", stream(model, ids)));
        }
        for (JsonNode prompt : TestData.read(TestData.REALVOCAB.resolve("realvocab-prompts.json")).get("prompts")) {
            int[] ids = TestData.ints(prompt.get("generated_ids"));
            assertEquals(prompt.get("generated_text").asText(), String.join("", stream(json, ids)));
        }
    }

    @Test
    void multiByteCharactersAcrossByteFallbackPiecesArePrintedWhole() {
        String text = "Emoji 👍🏽 and 🦙, CJK 你好，世界！日本語の文章です。 Georgian გამარჯობა ✅ 𝕳𝖊𝖑𝖑𝖔 — naïve end";
        for (Tokenizer tokenizer : new Tokenizer[] {json, model}) {
            int[] ids = tokenizer.encode(text, true);
            List<String> chunks = stream(tokenizer, ids);
            assertEquals(text, String.join("", chunks), tokenizer.kind());
            assertEquals(tokenizer.decode(ids, true), String.join("", chunks), tokenizer.kind());
            assertWholeCharacters(chunks, tokenizer.kind());
        }
    }

    @Test
    void firstPieceLosesItsLeadingSpaceAndLaterOnesKeepIt() {
        for (Tokenizer tokenizer : new Tokenizer[] {json, model}) {
            int[] ids = tokenizer.encode("Hello  world\n  x", false);
            List<String> chunks = stream(tokenizer, ids);
            assertEquals("Hello  world\n  x", String.join("", chunks), tokenizer.kind());
            assertEquals("H", chunks.getFirst().substring(0, 1), tokenizer.kind());
        }
    }

    @Test
    void specialTokensArePrintedAsNothing() {
        int[] ids = json.encode("Yes.</s>", true);
        assertEquals("Yes.", String.join("", stream(json, ids)));
    }

    @Test
    void cleanUpOfTokenizationSpacesIsStreamedExactly(@TempDir Path dir) throws IOException {
        Files.copy(TestData.REALVOCAB.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        String config = Files.readString(TestData.REALVOCAB.resolve("tokenizer_config.json"))
                .replace("\"clean_up_tokenization_spaces\": false", "\"clean_up_tokenization_spaces\": true");
        Files.writeString(dir.resolve("tokenizer_config.json"), config);
        Tokenizer cleaning = Tokenizer.load(dir);
        int[] ids = cleaning.encode("I do n't know , really . It 's fine !", false);
        assertEquals("I don't know, really. It's fine!", cleaning.decode(ids, true));
        assertEquals(cleaning.decode(ids, true), String.join("", stream(cleaning, ids)));
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int[] randomIds = new int[1 + random.nextInt(24)];
            for (int i = 0; i < randomIds.length; i++) {
                randomIds[i] = random.nextInt(4) == 0 ? 3 + random.nextInt(256) : random.nextInt(cleaning.vocabSize());
            }
            assertStreamsLikeDecode(cleaning, randomIds, "clean-up trial " + trial);
        }
    }

    @Test
    void randomIdSequencesStreamLikeDecode() {
        Random random = new Random(42);
        for (Tokenizer tokenizer : new Tokenizer[] {json, model}) {
            for (int trial = 0; trial < 300; trial++) {
                int[] ids = new int[1 + random.nextInt(24)];
                for (int i = 0; i < ids.length; i++) {
                    // Byte pieces (ids 3..258) often, to build valid and invalid multi-byte runs.
                    ids[i] = random.nextInt(3) == 0 ? 3 + random.nextInt(256) : random.nextInt(tokenizer.vocabSize());
                }
                assertStreamsLikeDecode(tokenizer, ids, tokenizer.kind() + " trial " + trial);
            }
        }
    }
}
