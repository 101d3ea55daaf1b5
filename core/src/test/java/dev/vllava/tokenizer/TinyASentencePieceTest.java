package dev.vllava.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** tiny-a: a tokenizer.model-only checkpoint (legacy: true) against transformers' slow LlamaTokenizer outputs. */
class TinyASentencePieceTest {
    private static Tokenizer tokenizer;
    private static JsonNode golden;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(TestData.TINY_A.resolve("model"));
        golden = TestData.read(TestData.TINY_A.resolve("golden.json"));
    }

    @Test
    void readsTheSentencePieceModelAndConfig() {
        assertEquals("tokenizer.model", tokenizer.kind());
        assertTrue(tokenizer.legacy());
        assertEquals(1003, tokenizer.vocabSize(), "1000 pieces + <image>, <video>, <pad>");
        assertEquals(1, tokenizer.bosId());
        assertEquals(2, tokenizer.eosId());
        assertEquals(1000, tokenizer.tokenId("<image>").orElseThrow());
        assertEquals(1001, tokenizer.tokenId("<video>").orElseThrow());
        assertEquals(1002, tokenizer.tokenId("<pad>").orElseThrow());
        assertEquals("<0x0A>", tokenizer.piece(13));
        assertTrue(tokenizer.isBytePiece(13));
        assertFalse(tokenizer.isBytePiece(1001));
    }

    @Test
    void promptIdsMatchSlowLlamaTokenizer() {
        for (JsonNode prompt : golden.get("prompts")) {
            int[] expected = TestData.ints(prompt.get("unexpanded_input_ids"));
            int[] actual = tokenizer.encode(prompt.get("text").asText(), true);
            assertArrayEquals(expected, actual, "prompt " + prompt.get("id").asText());
            for (int i = 0; i < actual.length; i++) {
                assertEquals(prompt.get("unexpanded_tokens").get(i).asText(), tokenizer.piece(actual[i]));
            }
        }
    }

    @Test
    void generatedIdsDecodeLikeSlowLlamaTokenizer() {
        for (JsonNode prompt : golden.get("prompts")) {
            int[] generated = TestData.ints(prompt.get("generated_ids"));
            assertEquals(prompt.get("generated_text").asText(), tokenizer.decode(generated, true));
            assertEquals(prompt.get("generated_text_keep_special").asText(), tokenizer.decode(generated, false));
            int[] prompted = TestData.ints(prompt.get("unexpanded_input_ids"));
            int[] all = new int[prompted.length + generated.length];
            System.arraycopy(prompted, 0, all, 0, prompted.length);
            System.arraycopy(generated, 0, all, prompted.length, generated.length);
            assertEquals(prompt.get("full_sequence_decoded").asText(), tokenizer.decode(all, true));
        }
    }

    @Test
    void withoutSpecialTokensThereIsNoBos() {
        int[] ids = tokenizer.encode("USER: <video>\nHi", false);
        assertEquals(719, ids[0], "starts with ▁U");
    }
}
