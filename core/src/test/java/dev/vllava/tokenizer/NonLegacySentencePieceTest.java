package dev.vllava.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code legacy: false} on tiny-a's tokenizer.model, checked by hand against transformers' definition
 * (LlamaTokenizer.tokenize / _tokenize / get_spm_processor, PR #24565):
 *
 * <ol>
 *   <li>the model's {@code add_dummy_prefix} is switched off, and {@code ▁} is prepended once to the whole text;
 *   <li>the text is split around added tokens; a piece that starts with {@code ▁} or a space is encoded as
 *       {@code "<unk>" + piece} and the pieces of {@code "<unk>"} are cut off (so its leading space survives);
 *       any other piece is encoded as is (no {@code ▁} in front);
 *   <li>a leading {@code ▁} token directly followed by a special token is dropped.
 * </ol>
 * So only the very start gets the {@code ▁}; text right after a special token gets none, where legacy adds one.
 * Piece ids of tiny-a used below: 918 {@code ▁}, 13 {@code <0x0A>}, 719 {@code ▁U}, 946 {@code S}, 440 {@code ER},
 * 980 {@code :}, 963 {@code H}, 922 {@code i}, 677 {@code ▁H}, 919 {@code e}, 355 {@code ll}, 921 {@code o},
 * 941 {@code .}, 791 {@code ▁there}, 260 {@code ▁▁}.
 */
class NonLegacySentencePieceTest {
    private static Tokenizer legacy;
    private static Tokenizer nonLegacy;

    @BeforeAll
    static void load(@TempDir Path dir) throws IOException {
        Path model = TestData.TINY_A.resolve("model");
        Files.copy(model.resolve("tokenizer.model"), dir.resolve("tokenizer.model"));
        String config = Files.readString(model.resolve("tokenizer_config.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), config.replace("\"legacy\": true", "\"legacy\": false"));
        legacy = Tokenizer.load(model);
        nonLegacy = Tokenizer.load(dir);
    }

    @Test
    void configSaysNonLegacy() {
        assertFalse(nonLegacy.legacy());
    }

    @Test
    void textAfterSpecialTokenGetsNoSpacePiece() {
        // legacy: "\nWhat" after <video> is encoded with the dummy prefix -> ▁ <0x0A> ...; non-legacy: <0x0A> ...
        String prompt = "USER: <video>\nHi";
        assertArrayEquals(new int[] {1, 719, 946, 440, 980, 918, 1001, 918, 13, 963, 922}, legacy.encode(prompt, true));
        assertArrayEquals(new int[] {1, 719, 946, 440, 980, 918, 1001, 13, 963, 922}, nonLegacy.encode(prompt, true));
    }

    @Test
    void leadingSpaceTokenBeforeSpecialTokenIsDropped() {
        // "▁<video>\nHi": the prepended ▁ becomes a lone ▁ token followed by <video>, so it is removed.
        assertArrayEquals(new int[] {1, 1001, 13, 963, 922}, nonLegacy.encode("<video>\nHi", true));
        assertArrayEquals(new int[] {1, 1001, 918, 13, 963, 922}, legacy.encode("<video>\nHi", true));
    }

    @Test
    void pieceStartingWithSpaceKeepsItsSpace() {
        // transformers' docstring example "Hello <s>." -> legacy '▁.' after <s>, non-legacy '.'; tiny-a has no
        // '▁.' piece, so legacy gives ▁ + '.'.
        assertArrayEquals(new int[] {1, 677, 919, 355, 921, 918, 1, 918, 941}, legacy.encode("Hello <s>.", true));
        assertArrayEquals(new int[] {1, 677, 919, 355, 921, 918, 1, 941}, nonLegacy.encode("Hello <s>.", true));
        // " there" after <s> starts with a space: encoded as "<unk> there" minus the <unk> pieces -> ▁there.
        assertArrayEquals(new int[] {1, 677, 919, 355, 921, 918, 1, 791}, nonLegacy.encode("Hello <s> there", true));
    }

    @Test
    void leadingSpaceOfTheWholeTextIsKeptAsInLegacy() {
        // Both see "▁▁Hello": legacy via the dummy prefix, non-legacy via the prepended ▁.
        assertArrayEquals(legacy.encode(" Hello", true), nonLegacy.encode(" Hello", true));
        assertArrayEquals(new int[] {1, 260, 963, 919, 355, 921}, nonLegacy.encode(" Hello", true));
    }

    @Test
    void decodeAddsNoSpaceBeforeSpecialTokens() {
        int[] ids = {1, 677, 919, 355, 921, 918, 1, 941};
        assertEquals("<s>Hello <s>.", nonLegacy.decode(ids, false));
        assertEquals("<s> Hello <s>.", legacy.decode(ids, false), "legacy puts a space before a special token");
        assertEquals("Hello .", nonLegacy.decode(ids, true));
    }
}
