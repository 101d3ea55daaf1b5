package dev.vllava.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-check of the Java sentencepiece BPE against an independent implementation: tiny-a's tokenizer.model is
 * converted to tokenizer.json the way transformers' {@code LlamaConverter} does (vocab from pieces, merges ordered
 * as {@code SentencePieceExtractor} orders them, byte fallback, the legacy normalizer and the sentencepiece
 * decoder) and run by the Rust tokenizers library; both must give the same ids on every text of cases.jsonl.
 */
class ConvertedFastTokenizerTest {

    @Test
    void javaSentencePieceMatchesRustBpeOnConvertedModel(@TempDir Path dir) throws IOException {
        Path model = TestData.TINY_A.resolve("model");
        Files.copy(model.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        SentencePieceModel sp = SentencePieceModel.read(model.resolve("tokenizer.model"));
        TokenizerConfig config = TokenizerConfig.load(model);
        Files.write(dir.resolve("tokenizer.json"), TestData.JSON.writeValueAsBytes(convert(sp, config)));

        Tokenizer slow = Tokenizer.load(model);
        Tokenizer fast = Tokenizer.load(dir);
        assertEquals("tokenizer.json", fast.kind());
        int compared = 0;
        for (String line : Files.readAllLines(TestData.REALVOCAB.resolve("cases.jsonl"))) {
            JsonNode c = TestData.JSON.readTree(line);
            String text = c.get("text").asText();
            boolean special = c.get("add_special_tokens").asBoolean();
            assertArrayEquals(fast.encode(text, special), slow.encode(text, special), () -> "text " + line);
            compared++;
        }
        assertEquals(902, compared);
    }

    /** transformers' LlamaConverter (legacy: true) as JSON. */
    static ObjectNode convert(SentencePieceModel sp, TokenizerConfig config) {
        ObjectNode root = TestData.JSON.createObjectNode();
        root.put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        for (AddedToken token : config.addedTokens().values()) {
            ObjectNode entry = added.addObject();
            entry.put("id", token.id());
            entry.put("content", token.content());
            entry.put("single_word", false);
            entry.put("lstrip", false);
            entry.put("rstrip", false);
            entry.put("normalized", false);
            entry.put("special", token.special());
        }
        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "Sequence");
        ArrayNode normalizers = normalizer.putArray("normalizers");
        normalizers.addObject().put("type", "Prepend").put("prepend", "▁");
        ObjectNode replace = normalizers.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", "▁");
        root.putNull("pre_tokenizer");
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "Sequence");
        ArrayNode decoders = decoder.putArray("decoders");
        ObjectNode back = decoders.addObject().put("type", "Replace");
        back.putObject("pattern").put("String", "▁");
        back.put("content", " ");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);

        ObjectNode bpe = root.putObject("model");
        bpe.put("type", "BPE");
        bpe.putNull("dropout");
        bpe.put("unk_token", "<unk>");
        bpe.putNull("continuing_subword_prefix");
        bpe.putNull("end_of_word_suffix");
        bpe.put("fuse_unk", true);
        bpe.put("byte_fallback", true);
        bpe.put("ignore_merges", false);
        ObjectNode vocab = bpe.putObject("vocab");
        Map<String, Integer> ids = new HashMap<>();
        List<SentencePieceModel.Piece> pieces = sp.pieces();
        for (int id = 0; id < pieces.size(); id++) {
            vocab.put(pieces.get(id).piece(), id);
            ids.put(pieces.get(id).piece(), id);
        }
        // SentencePieceExtractor: every split of every piece into two vocabulary pieces, sorted by the ids of the
        // parts within a piece, then (stable) by the piece's score, highest first.
        record Merge(String left, String right, float score) {}
        List<Merge> merges = new ArrayList<>();
        for (SentencePieceModel.Piece piece : pieces) {
            String text = piece.piece();
            List<Merge> local = new ArrayList<>();
            for (int i = 1; i < text.length(); i++) {
                if (Character.isLowSurrogate(text.charAt(i))) {
                    continue;
                }
                String left = text.substring(0, i);
                String right = text.substring(i);
                if (ids.containsKey(left) && ids.containsKey(right)) {
                    local.add(new Merge(left, right, piece.score()));
                }
            }
            local.sort(Comparator.comparingInt((Merge m) -> ids.get(m.left())).thenComparingInt(m -> ids.get(m.right())));
            merges.addAll(local);
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> -m.score()));
        ArrayNode mergeArray = bpe.putArray("merges");
        for (Merge merge : merges) {
            mergeArray.addArray().add(merge.left()).add(merge.right());
        }
        return root;
    }
}
